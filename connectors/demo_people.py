"""The demo organisation's people: teams, owners with their working habits, and lead contacts.

Team names, tiers and calendars match data/sla.toml ([hubspot.team_tiers], [calendars.*]), so the
demo is judged by the same agreement a real install ships with. Each rep carries a small profile
(how fast they first touch, how many attempts they make) so reports show clear differences: two
or three reps are visibly slower than the rest, and one former rep is inactive but still owns
old leads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models import columns as C

DOMAIN = "northwind.example"  # reserved TLD: demo addresses can never reach a real inbox


@dataclass(frozen=True)
class Rep:
    """One owner and the habits the generator gives them."""

    owner_id: str
    name: str
    team_id: str
    active: bool = True
    touch_median: float = 45.0  # business minutes to first touch (sales) or first contact (service)
    diligence: float = 6.8  # mean planned follow-up attempts
    skip: float = 0.02  # share of leads never touched
    weight: float = 1.0  # share of routed leads relative to teammates

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".").replace("'", "") + "@" + DOMAIN


TEAMS = pd.DataFrame(
    {
        C.TEAM_ID: ["marketing", "sales-east", "sales-west", "service"],
        C.NAME: ["Marketing", "Sales East", "Sales West", "Customer Service"],
        C.TIER: ["marketing", "sales", "sales", "service"],
        C.CALENDAR: ["ny", "ny", "la", "service"],
        C.MANAGER_EMAIL: [
            "dana.whitfield@" + DOMAIN,
            "marcus.bell@" + DOMAIN,
            "elena.park@" + DOMAIN,
            "sofia.reyes@" + DOMAIN,
        ],
    }
)
CALENDAR_OF_TEAM = dict(zip(TEAMS[C.TEAM_ID], TEAMS[C.CALENDAR], strict=True))

# The inactive former rep left after roughly the first third of the period (see demo_leads).
FORMER_REP = "O30"

REPS: tuple[Rep, ...] = (
    Rep("O01", "Dana Whitfield", "marketing"),
    Rep("O02", "Priya Natarajan", "marketing"),
    Rep("O03", "Tom Okafor", "marketing"),
    Rep("O04", "Lena Fischer", "marketing"),
    Rep("O05", "Marcus Bell", "sales-east", touch_median=30, diligence=7.2, weight=0.6),
    Rep("O06", "Jenna Castillo", "sales-east", touch_median=28, diligence=7.0),
    Rep("O07", "Ryan O'Connell", "sales-east", touch_median=38, diligence=6.9),
    Rep("O08", "Aisha Mensah", "sales-east", touch_median=25, diligence=7.4),
    Rep("O09", "Kevin Brooks", "sales-east", touch_median=190, diligence=4.6, skip=0.07),
    Rep("O10", "Hannah Liu", "sales-east", touch_median=36, diligence=6.8),
    Rep("O11", "Diego Morales", "sales-east", touch_median=42, diligence=6.4),
    Rep("O12", "Sarah Goldberg", "sales-east", touch_median=33, diligence=7.1),
    Rep("O13", "Brian Walsh", "sales-east", touch_median=150, diligence=5.0, skip=0.05),
    Rep("O14", "Naomi Adeyemi", "sales-east", touch_median=30, diligence=6.9),
    Rep("O15", "Elena Park", "sales-west", touch_median=32, diligence=7.0, weight=0.6),
    Rep("O16", "Jake Thompson", "sales-west", touch_median=40, diligence=6.6),
    Rep("O17", "Maya Patel", "sales-west", touch_median=26, diligence=7.3),
    Rep("O18", "Carlos Rivera", "sales-west", touch_median=35, diligence=6.9),
    Rep("O19", "Olivia Chen", "sales-west", touch_median=30, diligence=7.0),
    Rep("O20", "Tyler Jensen", "sales-west", touch_median=170, diligence=4.8, skip=0.06),
    Rep("O21", "Grace Kim", "sales-west", touch_median=44, diligence=6.5),
    Rep("O22", "Samuel Ortiz", "sales-west", touch_median=37, diligence=6.8),
    Rep("O23", "Sofia Reyes", "service", touch_median=110),
    Rep("O24", "Daniel Novak", "service", touch_median=140),
    Rep("O25", "Rachel Adams", "service", touch_median=95),
    Rep("O26", "Ibrahim Hassan", "service", touch_median=130),
    Rep("O27", "Chloe Martin", "service", touch_median=560),
    Rep("O28", "Peter Lindqvist", "service", touch_median=150),
    Rep("O29", "Yuki Tanaka", "service", touch_median=120),
    Rep(FORMER_REP, "Greg Hollis", "sales-east", active=False, touch_median=75, diligence=5.8),
)
REP_BY_ID = {rep.owner_id: rep for rep in REPS}


def owners_frame() -> pd.DataFrame:
    """The owners table as the store wants it."""
    return pd.DataFrame(
        {
            C.OWNER_ID: [rep.owner_id for rep in REPS],
            C.NAME: [rep.name for rep in REPS],
            C.EMAIL: [rep.email for rep in REPS],
            C.TEAM_ID: [rep.team_id for rep in REPS],
            C.ACTIVE: [rep.active for rep in REPS],
        }
    )


def team_reps(team_id: str, *, include_inactive: bool = False) -> list[Rep]:
    """The reps of one team, in id order."""
    return [r for r in REPS if r.team_id == team_id and (r.active or include_inactive)]


FIRST_NAMES = np.array(
    [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Charles",
        "Karen",
        "Christopher",
        "Lisa",
        "Daniel",
        "Nancy",
        "Matthew",
        "Betty",
        "Anthony",
        "Sandra",
        "Mark",
        "Ashley",
        "Donald",
        "Emily",
        "Steven",
        "Kimberly",
        "Andrew",
        "Donna",
        "Paul",
        "Michelle",
        "Joshua",
        "Carol",
        "Kenneth",
        "Amanda",
        "Kevin",
        "Melissa",
        "Brian",
        "Deborah",
        "Wei",
        "Fatima",
        "Luis",
        "Ana",
        "Raj",
        "Mei",
        "Omar",
        "Ingrid",
        "Kofi",
        "Zoe",
        "Mateo",
        "Leila",
        "Hiro",
        "Nadia",
    ]
)
LAST_NAMES = np.array(
    [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Perez",
        "Thompson",
        "White",
        "Harris",
        "Sanchez",
        "Clark",
        "Ramirez",
        "Lewis",
        "Robinson",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Torres",
        "Nguyen",
        "Hill",
        "Flores",
        "Green",
        "Adams",
        "Nelson",
        "Baker",
        "Hall",
        "Rivera",
        "Campbell",
        "Mitchell",
        "Carter",
        "Roberts",
        "Shah",
        "Kowalski",
        "Haddad",
        "Sato",
        "Okoye",
        "Larsen",
        "Dubois",
        "Rossi",
        "Schmidt",
        "Novak",
    ]
)
_COMPANY_HEADS = np.array(
    [
        "Blue",
        "North",
        "Bright",
        "Summit",
        "Cedar",
        "Harbor",
        "Granite",
        "Pioneer",
        "Silver",
        "Red",
        "Maple",
        "Atlas",
        "Lumen",
        "Vertex",
        "Orchid",
        "Copper",
        "Falcon",
        "Willow",
        "Beacon",
        "Keystone",
        "Meridian",
        "Evergreen",
        "Ironwood",
        "Clearwater",
        "Redwood",
        "Juniper",
        "Alder",
        "Sterling",
        "Horizon",
        "Lakeside",
        "Prairie",
        "Coastal",
        "Union",
        "Highland",
    ]
)
_COMPANY_TAILS = np.array(
    [
        "Logistics",
        "Health",
        "Analytics",
        "Foods",
        "Robotics",
        "Software",
        "Partners",
        "Capital",
        "Energy",
        "Retail",
        "Labs",
        "Systems",
        "Media",
        "Dental",
        "Legal",
        "Manufacturing",
        "Insurance",
        "Freight",
        "Biotech",
        "Hospitality",
        "Learning",
        "Apparel",
        "Realty",
        "Security",
    ]
)
_COMPANY_SUFFIXES = np.array(["", " Inc", " LLC", " Group", " Co", " Corp"])


def make_contacts(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(email, company) for `count` leads: people at made-up companies on a reserved domain."""
    first = rng.choice(FIRST_NAMES, count)
    last = rng.choice(LAST_NAMES, count)
    head = rng.choice(_COMPANY_HEADS, count)
    tail = rng.choice(_COMPANY_TAILS, count)
    suffix = rng.choice(_COMPANY_SUFFIXES, count, p=[0.4, 0.2, 0.15, 0.1, 0.08, 0.07])
    company = head.astype(object) + " " + tail.astype(object) + suffix.astype(object)
    domain = np.char.lower((head.astype(object) + tail.astype(object)).astype(str)).astype(object)
    style = rng.random(count)
    full = np.char.lower((first.astype(object) + "." + last.astype(object)).astype(str))
    short = np.char.lower((first.astype("<U1").astype(object) + last.astype(object)).astype(str))
    local = np.where(style < 0.6, full, short).astype(object)
    email = local + "@" + domain + ".example"
    return email, company
