"""The structure page's figures are the workstation's Synthèses: one aggregation, checked against a
real workstation synced to the real server."""

import re
from datetime import UTC, datetime, timedelta

from markupsafe import escape
from sqlalchemy import Engine

from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.models.pass_numerique import euros
from app.reports.aggregation import Summary, as_server_summary, summarise
from app.reports.numbers import change_in_words, duration, percent, time_spent
from app.reports.periods import Period
from app.reports.week import WEEKDAYS, week_profile
from app.server.accounts import create_structure
from app.server.web.accounts import create_account
from app.server.web.format import number
from app.sync.engine import enroll
from tests.e2e.test_sync import add_contact_now, receive_booklet, sync_until_done
from tests.live_server import unique_matricule
from tests.server.web_helpers import PASSWORD, WebDesk, log_in


def test_the_structure_page_shows_the_workstations_synthese(
    workspace, shared_web: WebDesk, shared_web_db: Engine
) -> None:
    server = shared_web.server
    matricule, login = unique_matricule(), f"synthese-{shared_web.matricule}@example.fr"
    code = create_structure(
        shared_web_db, matricule, "Thiérache Sambre et Oise", shared_web.departement, True
    )
    ensure_demo_setup(workspace)
    enroll(workspace, server.url, code)
    assert workspace.workstation.structure.matricule == matricule
    add_demo_contacts(workspace, 150, days=45, seed=7)
    add_contact_now(workspace, situation="autre")  # « Autre demande » has no theme: « Sans thème »
    # One a year ago, for the change over a year, and Pass numérique cheques received and handed out.
    workspace.contacts.add(
        {
            **workspace.workstation.contact_defaults(),
            "occurred_at": datetime.now(UTC) - timedelta(days=365),
            "situation": "demenagement",
            "partners": ["caf"],
            "channel": "telephone",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 20,
        }
    )
    who = {"structure": matricule, "agent": workspace.workstation.current_agent.name}
    receive_booklet(workspace, who)
    workspace.passes.hand_out(**who, cheques=["1001", "1002", "1003"], age_band="75-plus")
    workspace.escalations.create(
        {
            "structure": matricule,
            "agent": "Julie M.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "email",
            "sent_at": datetime.now(UTC),
        }
    )
    sync_until_done(workspace)
    create_account(shared_web_db, login, PASSWORD, "structure", structure=matricule)
    http, answer = log_in(server, login)
    assert answer.status_code == 303
    local_now = datetime.now().astimezone()
    this_month = Period("month", local_now.year, local_now.month)
    for period in (this_month, this_month.previous()):
        summary = summarise(workspace, period)
        ours = as_server_summary(summary)
        shown = http.get(
            f"{server.url}/api/v1/stats/figures",
            params={"periode": period.slug, "structure": matricule},
            timeout=30,
        ).json()
        assert ours["total"] > 0
        assert {key: shown[key] for key in ours if key not in ("matricule", "month")} == {
            key: value for key, value in ours.items() if key not in ("matricule", "month")
        }, period.slug
        assert (shown["previous_total"], shown["year_before_total"], shown["total_minutes"]) == (
            summary.previous_total,
            summary.year_before_total,
            summary.total_minutes,
        )
        assert shown["by_weekday_hour"] == {
            f"{day}-{hour:02d}": n for (day, hour), n in summary.by_weekday_hour.items()
        }
        page = http.get(f"{server.url}/structures/{matricule}", params={"periode": period.slug}, timeout=30)
        assert key_figures(page.text) == synthese_rows(summary), period.slug
        assert week_table(page.text) == synthese_week(summary), period.slug
        labels = workspace.catalogue
        for slug, kind, counts in (
            ("theme", "themes", summary.by_theme),
            ("partner", "partners", summary.by_partner),
            ("situation", "situations", summary.by_situation),
        ):
            assert table_rows(page.text, slug)[1:] == [
                [
                    str(escape(labels.label(kind, key) if key else "Sans thème")),
                    number(n),
                    percent(n, summary.total),
                ]
                for key, n in counts.items()
            ], (period.slug, slug)
    assert "" in summarise(workspace, this_month).by_theme  # « Autre demande » has no theme
    assert summarise(workspace, this_month).year_before_total == 1  # the comparison was not with nothing


def synthese_rows(summary: Summary) -> list[str]:
    """The key figures as the workstation's Synthèses screen writes them, in the page's HTML."""
    period, total = summary.period, summary.total
    texts = [
        ("Contacts", number(total)),
        (
            "Évolution par rapport à la période précédente",
            change_in_words(
                total, summary.previous_total, period.previous().compared_to, period.previous().during
            ),
        ),
        (
            "Évolution sur un an",
            change_in_words(
                total,
                summary.year_before_total,
                period.year_before().compared_to,
                period.year_before().during,
            ),
        ),
        ("Part résolue sur place", percent(summary.solved_on_the_spot, total)),
        ("Durée moyenne d'un contact", duration(summary.average_minutes or 0) if total else "—"),
        ("Temps passé avec le public", time_spent(summary.total_minutes)),
        ("Contacts en situation de non-recours", number(summary.non_recours)),
        ("Part des contacts en situation de non-recours", percent(summary.non_recours, total)),
        ("Sollicitations envoyées", number(summary.escalations_sent)),
        ("Sollicitations répondues", number(summary.escalations_answered)),
        ("Sollicitations en retard", number(summary.escalations_late)),
        ("Pass numérique : remises à des usagers", number(summary.pass_issuances)),
        ("Pass numérique : contacts notés « Pass numérique remis »", number(summary.pass_numerique_contacts)),
        ("Pass numérique : chèques remis", number(summary.pass_cheques_handed_out)),
        ("Pass numérique : valeur des chèques remis", euros(summary.pass_value_handed_out_cents)),
        ("Pass numérique : chèques reçus (carnets)", number(summary.pass_cheques_received)),
        ("Pass numérique : chèques remis en stock (retours)", number(summary.pass_cheques_returned)),
        ("Pass numérique : chèques annulés", number(summary.pass_cheques_cancelled)),
        ("Pass numérique : chèques en stock (fin de période)", number(summary.pass_stock_left)),
    ]
    return [f"{escape(label)}|{escape(text)}" for label, text in texts]


def synthese_week(summary: Summary) -> list[list[str]]:
    """The Synthèses screen's week table (`app.reports.week`): a header row, then a row per day."""
    week = week_profile(summary.by_weekday_hour)
    assert week is not None
    rows = [["Jour", *(f"{hour} h" for hour in week.hours), "Total"]]
    for day in week.days:
        counts = [week.cells.get((day, hour), 0) for hour in week.hours]
        rows.append([WEEKDAYS[day].capitalize(), *map(number, counts), number(week.per_day[day])])
    return rows


def key_figures(html: str) -> list[str]:
    """The rows of the page's « Chiffres clés » table, « label|value » as in its HTML."""
    return ["|".join(row) for row in table_rows(html, "chiffres")[1:]]


def week_table(html: str) -> list[list[str]]:
    return table_rows(html, "semaine")


def table_rows(html: str, slug: str) -> list[list[str]]:
    """The cells of the page's table `slug`, row by row, headers first, as in its HTML."""
    table = html.split(f'id="tableau-{slug}"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
