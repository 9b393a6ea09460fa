"""The administrator's command, in real subprocesses: French output, a code on the last line."""

import re

from sqlalchemy import create_engine, inspect

from tests.live_server import run_server_cli


def test_add_structure_prints_a_code_last(database_url) -> None:
    added = run_server_cli(
        database_url,
        "add-structure",
        "--matricule",
        "3",
        "--name",
        "Thiérache Sambre et Oise",
        "--departement",
        "2",
    )
    assert added.returncode == 0, added.stderr
    *sentences, code = added.stdout.strip().splitlines()
    assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", code)
    assert "Thiérache Sambre et Oise" in sentences[0]
    assert "Code d'inscription" in sentences[-1]


def test_an_existing_matricule_is_a_clear_error(database_url) -> None:
    args = ("add-structure", "--matricule", "3", "--name", "Guise", "--departement", "02")
    assert run_server_cli(database_url, *args).returncode == 0
    again = run_server_cli(database_url, *args)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1
    assert again.stderr.startswith("Erreur : La structure de matricule « 3 » existe déjà")


def test_bad_input_is_one_french_line(database_url) -> None:
    cases = [
        (
            ("add-structure", "--matricule", "3", "--name", "Guise", "--departement", "99"),
            "Département invalide",
        ),
        (
            ("add-structure", "--matricule", "3 4", "--name", "Guise", "--departement", "02"),
            "Matricule invalide",
        ),
        (("enrolment-code", "--matricule", "404"), "Structure inconnue"),
        (("workstations", "--matricule", "404"), "Structure inconnue"),
        (("revoke", "--workstation", "inconnu"), "Poste inconnu"),
        (("summary", "--matricule", "404", "--month", "2026-11"), "Structure inconnue"),
        (("summary", "--matricule", "3", "--month", "novembre"), "mois invalide"),
        (("serve", "--port", "70000"), "port invalide"),
    ]
    for args, message in cases:
        result = run_server_cli(database_url, *args)
        assert result.returncode == 1, args
        assert result.stderr.startswith("Erreur : ") and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr, result.stderr


def test_usage_errors_are_in_french(database_url) -> None:
    result = run_server_cli(database_url, "summary", "--matricule", "3")
    assert result.returncode == 2
    assert "arguments obligatoires manquants : --month" in result.stderr


def test_an_unreachable_database_is_reported(tmp_path) -> None:
    result = run_server_cli(f"sqlite:///{tmp_path}", "workstations", "--matricule", "3")
    assert result.returncode == 3
    assert result.stderr.startswith("Erreur : base de données inaccessible")


def test_every_command_migrates_first(database_url) -> None:
    assert run_server_cli(database_url, "workstations", "--matricule", "3").returncode == 1
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables >= {"alembic_version", "structures", "workstations", "enrolment_codes", "records"}
