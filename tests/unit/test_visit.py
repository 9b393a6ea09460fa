"""The visit's duration: from the first action for the person to the save of the contact."""

from datetime import UTC, datetime, timedelta

from app.models.record import MAX_DURATION_MINUTES
from app.models.visit import duration_minutes

NINE = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_a_visit_begins_with_the_first_action_and_ends_with_its_contact(desk) -> None:
    visit = desk.visit
    assert visit.started_at(NINE) is None
    assert visit.minutes(NINE) == 1  # nothing under way: the contact is being recorded now
    assert visit.begin(NINE) == NINE  # a flow opened for the person
    assert visit.begin(NINE + timedelta(minutes=5)) == NINE  # then the portal: the same visit
    assert visit.minutes(NINE + timedelta(minutes=27, seconds=10)) == 28
    # The form opened a minute before saving does not shorten it; one opened before the visit began
    # (the agent started the form, then a flow) lengthens it.
    later = NINE + timedelta(minutes=27)
    assert visit.counted_from(NINE + timedelta(minutes=26), later) == NINE
    assert visit.counted_from(NINE - timedelta(minutes=3), later) == NINE - timedelta(minutes=3)
    visit.end()
    assert visit.started_at(NINE + timedelta(minutes=28)) is None
    opened = NINE + timedelta(minutes=36)
    assert visit.counted_from(opened, NINE + timedelta(minutes=40)) == opened


def test_nouvelle_personne_restarts_the_visit(desk) -> None:
    visit = desk.visit
    visit.begin(NINE)
    assert visit.new_person(NINE + timedelta(minutes=12)) == NINE + timedelta(minutes=12)
    assert visit.minutes(NINE + timedelta(minutes=20)) == 8


def test_an_abandoned_visit_does_not_lengthen_the_next_contact(desk) -> None:
    """A flow opened yesterday for someone who left without a contact is not today's visit."""
    visit = desk.visit
    visit.begin(NINE - timedelta(days=1))
    assert visit.started_at(NINE) is None
    assert visit.minutes(NINE) == 1
    assert visit.begin(NINE) == NINE


def test_the_visit_is_the_workstation_s_not_a_window_s(desk, data_dir) -> None:
    """Kept in the database: the command line measures the visit a window began."""
    from app.models.workspace import open_workspace

    desk.visit.begin(NINE)
    other = open_workspace(data_dir)
    try:
        assert other.visit.started_at(NINE + timedelta(minutes=1)) == NINE
    finally:
        other.close()


def test_durations_are_whole_begun_minutes_within_a_contact_s_bounds() -> None:
    assert duration_minutes(NINE, NINE) == 1
    assert duration_minutes(NINE, NINE + timedelta(seconds=61)) == 2
    assert duration_minutes(NINE, NINE + timedelta(hours=12)) == MAX_DURATION_MINUTES
