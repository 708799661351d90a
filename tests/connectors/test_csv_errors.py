"""Every class of bad canonical CSV is refused with a precise `FILE:LINE: column: message`, and
nothing is written (SPEC.md section 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from csv_builders import ACTIVITIES, LEADS, OWNERS, TEAMS, valid_with, write_folder

from connectors.csv_io import import_dir
from models.errors import BadInputError
from models.store import Store

LEAD_HEADER = LEADS.splitlines()[0]
ACTIVITY_HEADER = ACTIVITIES.splitlines()[0]
NO_OFFSET = "has no UTC offset; add one like +00:00 or Z — timestamps are never guessed"
NOT_ISO = "is not an ISO 8601 timestamp; write it like 2026-01-31T14:05:00+00:00"

CASES = [
    pytest.param(
        {"leads": "lead_id,source\nL1,web\n"},
        [
            "leads.csv:1: created_at: required column is missing; the header must name "
            "lead_id, created_at (it has: lead_id, source)"
        ],
        id="missing-required-column",
    ),
    pytest.param(
        {"leads": "lead_id;created_at\nL1;2026-01-01T00:00:00Z\n"},
        ["leads.csv:1: the file seems to use ';' as delimiter; use commas"],
        id="semicolon-delimiter",
    ),
    pytest.param(
        {"leads": "lead_id\tcreated_at\nL1\t2026-01-01T00:00:00Z\n"},
        ["leads.csv:1: the file seems to use tab as delimiter; use commas"],
        id="tab-delimiter",
    ),
    pytest.param(
        {"activities": ACTIVITIES.replace("A2,L1,email,", "A2,L1,,")},
        ["activities.csv:4: type: a value is required but the cell is empty"],
        id="empty-required-value",
    ),
    pytest.param(
        {
            "teams": TEAMS.replace(
                "T-svc,Customer Service,service", "T-svc,Customer Service,support"
            )
        },
        ["teams.csv:3: tier: 'support' is not a tier; use one of marketing, sales, service"],
        id="unknown-tier",
    ),
    pytest.param(
        {"activities": ACTIVITIES.replace("A2,L1,email,", "A2,L1,sms,")},
        [
            "activities.csv:4: type: 'sms' is not an activity type; "
            "use one of call, email, meeting, note, task"
        ],
        id="unknown-activity-type",
    ),
    pytest.param(
        {"activities": ACTIVITIES.replace("O1,outbound,,", "O1,out,,")},
        ["activities.csv:4: direction: 'out' is not a direction; use one of outbound, inbound"],
        id="unknown-direction",
    ),
    pytest.param(
        {"leads": LEADS.replace("L2,2026-01-06T08:00:00Z", "L2,2026-01-06 08:00:00")},
        [f"leads.csv:3: created_at: '2026-01-06 08:00:00' {NO_OFFSET}"],
        id="timestamp-without-offset",
    ),
    pytest.param(
        {"deals": "deal_id,lead_id,closed_won_at\nD1,L1,2026-02-01\n"},
        [f"deals.csv:2: closed_won_at: '2026-02-01' {NO_OFFSET}"],
        id="date-without-time-or-offset",
    ),
    pytest.param(
        {"leads": LEADS.replace("L2,2026-01-06T08:00:00Z", "L2,last tuesday")},
        [f"leads.csv:3: created_at: 'last tuesday' {NOT_ISO}"],
        id="unparseable-timestamp",
    ),
    pytest.param(
        {"leads": LEADS.replace("L2,2026-01-06T08:00:00Z", "L2,2026-13-06T08:00:00Z")},
        [f"leads.csv:3: created_at: '2026-13-06T08:00:00Z' {NOT_ISO}"],
        id="impossible-date",
    ),
    pytest.param(
        {"leads": LEADS.replace("L2,2026-01-06T08:00:00Z", "L2,0001-01-01T00:00:00Z")},
        [
            "leads.csv:3: created_at: '0001-01-01T00:00:00Z' is not a plausible date (outside the "
            "years 1970-2100); a placeholder like 0001-01-01 or 9999-12-31 means no date: leave "
            "the cell empty instead"
        ],
        id="placeholder-year-0001",
    ),
    pytest.param(
        {"deals": "deal_id,lead_id,closed_won_at\nD1,L1,9999-12-31T23:59:59Z\n"},
        [
            "deals.csv:2: closed_won_at: '9999-12-31T23:59:59Z' is not a plausible date (outside "
            "the years 1970-2100); a placeholder like 0001-01-01 or 9999-12-31 means no date: "
            "leave the cell empty instead"
        ],
        id="placeholder-year-9999",
    ),
    pytest.param(
        {"leads": LEADS.replace("L3,2026-01-07T08:00:00+01:00,2026-01-07T09:00", "L3,2026-01-07T08:00:00+01:00,2026-01-04T09:00")},
        [
            "leads.csv:4: handed_off_at: '2026-01-04T09:00:00+01:00' is before the lead's created_at "
            "'2026-01-07T08:00:00+01:00'; a lead cannot be handed off before it exists: correct one of "
            "the two dates"
        ],
        id="handoff-before-creation",
    ),
    pytest.param(
        {"leads": LEADS + "L2,2026-01-09T08:00:00Z\n"},
        [
            "leads.csv:5: lead_id: duplicate id 'L2' (first on line 3); "
            "each id may appear only once in the file"
        ],
        id="duplicate-id",
    ),
    pytest.param(
        {"activities": ACTIVITIES + "A9,L404,call,2026-01-05T16:00:00Z,O1,outbound,,\n"},
        [
            "activities.csv:6: lead_id: unknown lead 'L404': it is neither in leads.csv nor in "
            "the database; add the lead or correct the id"
        ],
        id="unknown-lead",
    ),
    pytest.param(
        {"leads": LEADS.replace("L2,2026-01-06T08:00:00Z,,,,", "L2,2026-01-06T08:00:00Z,,,O404,")},
        [
            "leads.csv:3: owner_id: unknown owner 'O404': it is neither in owners.csv nor in the "
            "database; add the owner or correct the id"
        ],
        id="unknown-owner",
    ),
    pytest.param(
        {"deals": "deal_id,lead_id,closed_won_at,service_owner_id\nD1,L1,2026-02-01T12:00:00Z,O9\n"},
        [
            "deals.csv:2: service_owner_id: unknown owner 'O9': it is neither in owners.csv nor "
            "in the database; add the owner or correct the id"
        ],
        id="unknown-service-owner",
    ),
    pytest.param(
        {"owners": OWNERS.replace("O3,Cy Ng,cy@example.com,T-mkt", "O3,Cy Ng,cy@example.com,T-x")},
        [
            "owners.csv:4: team_id: unknown team 'T-x': it is neither in teams.csv nor in the "
            "database; add the team or correct the id"
        ],
        id="unknown-team",
    ),
    pytest.param(
        {"teams": None, "owners": None, "leads": None, "activities": None},
        [
            "deals.csv:2: lead_id: unknown lead 'L1': it is not in the database (and no leads.csv "
            "is being imported); add the lead or correct the id",
            "deals.csv:2: owner_id: unknown owner 'O2': it is not in the database (and no "
            "owners.csv is being imported); add the owner or correct the id",
            "deals.csv:2: service_owner_id: unknown owner 'O2': it is not in the database (and "
            "no owners.csv is being imported); add the owner or correct the id",
            "deals.csv:3: lead_id: unknown lead 'L3': it is not in the database (and no leads.csv "
            "is being imported); add the lead or correct the id",
        ],
        id="reference-without-its-file",
    ),
    pytest.param(
        {"leads": LEADS.replace("Café Müller", "Caf\xe9 M\xfcller").encode("latin-1")},
        ["leads.csv:4: the file is not UTF-8 (byte 0xE9 cannot be read); save it as UTF-8"],
        id="not-utf8",
    ),
    pytest.param(
        {"leads": ""},
        ["leads.csv: empty file: expected a header row with lead_id, created_at"],
        id="empty-file",
    ),
    pytest.param(
        {"leads": "\ufeff\n\n"},
        ["leads.csv: empty file: expected a header row with lead_id, created_at"],
        id="blank-lines-only",
    ),
    pytest.param(
        {"leads": "\nlead_id,created_at\nL1,2026-01-05T09:00:00Z\n"},
        [
            "leads.csv:1: the first line is blank; put the header row (lead_id, created_at, ...) on line 1"
        ],
        id="blank-first-line",
    ),
    pytest.param(
        {
            "owners": OWNERS.replace(
                "O1,Ann Ray,ann@example.com,T-sales,true", "O1,Ann Ray,ann@example.com,T-sales,yes"
            )
        },
        [
            "owners.csv:2: active: 'yes' is not a boolean; use true or false (an empty cell means true)"
        ],
        id="bad-boolean",
    ),
    pytest.param(
        {"deals": 'deal_id,lead_id,closed_won_at,amount\nD1,L1,2026-02-01T12:00:00Z,"$1,200"\n'},
        [
            "deals.csv:2: amount: '$1,200' is not a number; write it like 1234.50 "
            "(no currency sign, no thousands separator)"
        ],
        id="non-numeric-amount",
    ),
    pytest.param(
        {"leads": f"{LEAD_HEADER}\nL1,2026-01-05T09:00:00Z,,,,,,,,,,surplus\n"},
        [
            "leads.csv:2: the row has 12 cells but the header has 11; put values that contain "
            "commas in double quotes"
        ],
        id="row-with-too-many-cells",
    ),
    pytest.param(
        {
            "leads": f'{LEAD_HEADER}\nL1,2026-01-05T09:00:00Z,,,,,,,,,"Acme\nL2,2026-01-05T09:00:00Z\n'
        },
        [
            "leads.csv:2: the row cannot be read (unexpected end of data); check for an unclosed "
            'double quote (a quote inside a quoted value is written as "")'
        ],
        id="unclosed-quote",
    ),
    pytest.param(
        {
            # A quoted body spanning lines and a blank line: LINE still counts file lines.
            "activities": f'{ACTIVITY_HEADER}\nA1,L1,call,2026-01-05T16:00:00Z,O1,outbound,,"a\nb\nc"\n'
            "\nA2,L1,fax,2026-01-05T16:00:00Z,O1,outbound,,\n"
        },
        [
            "activities.csv:6: type: 'fax' is not an activity type; "
            "use one of call, email, meeting, note, task"
        ],
        id="line-numbers-count-file-lines",
    ),
    pytest.param(
        {
            # A line break in a manager's address would start a new [[sla]] if ever written
            # into a TOML file; an address with a display name is not one address either.
            "teams": TEAMS.replace("boss@example.com", '"boss@example.com\n[[sla]]"'),
            "owners": OWNERS.replace("bo@example.com", "Bo Li <bo@example.com>"),
        },
        [
            "teams.csv:2: manager_email: 'boss@example.com\\n[[sla]]' is not one e-mail "
            "address; write it like name@example.com (no spaces, line breaks or names around "
            "it) or leave the cell empty",
            "owners.csv:3: email: 'Bo Li <bo@example.com>' is not one e-mail address; write it "
            "like name@example.com (no spaces, line breaks or names around it) or leave the "
            "cell empty",
        ],
        id="people-emails",
    ),
]


@pytest.mark.parametrize(("replaced", "expected"), CASES)
def test_bad_input_lists_every_problem_and_writes_nothing(
    store: Store, tmp_path: Path, replaced: dict[str, str | bytes | None], expected: list[str]
) -> None:
    folder = write_folder(tmp_path / "in", valid_with(**replaced))
    with pytest.raises(BadInputError) as raised:
        import_dir(store, folder)
    assert raised.value.problems == expected
    assert "nothing was imported" in raised.value.summary
    assert set(store.count_rows().values()) == {0}


def test_problems_from_every_file_are_collected_in_file_and_line_order(
    store: Store, tmp_path: Path
) -> None:
    folder = write_folder(
        tmp_path / "in",
        valid_with(
            teams=TEAMS.replace(",sales,", ",boss,"),
            leads=LEADS.replace("2026-01-06T08:00:00Z", "2026-01-06T08:00"),
            activities=ACTIVITIES.replace("A3,L3,note", "A3,L9,chat"),
        ),
    )
    with pytest.raises(BadInputError) as raised:
        import_dir(store, folder)
    assert [problem.split(" ", 1)[0] for problem in raised.value.problems] == [
        "teams.csv:2:",
        "leads.csv:3:",
        "activities.csv:5:",  # lead_id comes before type in the contract's column order
        "activities.csv:5:",
    ]
    assert raised.value.problems[2].startswith("activities.csv:5: lead_id: unknown lead 'L9'")
    assert raised.value.summary.startswith("4 problems in ")


def test_a_folder_without_any_expected_file_says_which_files_are_expected(
    store: Store, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "in", {"lead.csv": LEADS})
    with pytest.raises(BadInputError) as raised:
        import_dir(store, folder)
    assert raised.value.summary == (
        f"{folder} holds none of the expected files teams.csv, owners.csv, leads.csv, "
        "activities.csv, deals.csv (it has: lead.csv); name the files exactly so"
    )


def test_a_missing_folder_is_bad_input(store: Store, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="is not a folder"):
        import_dir(store, tmp_path / "nowhere")


def test_a_failed_import_is_recorded_with_its_problem_count(store: Store, tmp_path: Path) -> None:
    from models.tables import ImportRun

    folder = write_folder(
        tmp_path / "in",
        valid_with(deals="deal_id,lead_id,closed_won_at\nD1,L1,soon\nD2,L1,later\n"),
    )
    with pytest.raises(BadInputError):
        import_dir(store, folder)
    run = store.read_runs(ImportRun, limit=1).iloc[0]
    assert (run["kind"], run["status"], run["counts"]) == ("csv", "failed", '{"problems": 2}')
    assert run["path"] == str(folder)
    assert "2 problems" in run["error"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_the_first_non_utf8_byte_is_found_across_read_chunks(tmp_path: Path, chunk: int) -> None:
    from connectors.csv_read import _first_non_utf8

    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbfa\n" + "é€".encode() * 3 + b"\nok\n\xff\n")
    assert _first_non_utf8(path, chunk) == (4, 0xFF)
    path.write_bytes(b"\xef\xbb\xbfa\n" + "é€".encode() * 3 + b"\n")
    assert _first_non_utf8(path, chunk) is None
