"""What the sandbox org holds at start: databases, relational tables and a few contacts, all by seed.

The default layout follows the Gigya <-> Silverpop integration (identitysync.md §5.1): a master database keyed
by the Gigya UID with ``EMAIL`` and ``Subscribed``, a newsletter database keyed by email, and the four
relational tables the integration fills (Likes, Favorites, GM for Game Mechanics, Signals), each keyed by the
UID plus the item's own id. Ids and contacts are drawn from ``random.Random(seed)``, so two sandboxes with the
same seed hand out the same list ids, recipient ids and contacts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.silverpop.model import EMAIL, Column, Contact, Database, Table
from sandbox.silverpop.values import LIST_TYPE_KINDS, TABLE_TYPE_KINDS

if TYPE_CHECKING:
    from sandbox.silverpop.store import Store


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    key_columns: tuple[str, ...]
    columns: tuple[tuple[str, int], ...]
    """(name, list type code); the system ``EMAIL`` column is always added first."""
    visibility: int = 0
    id: int | None = None
    """A fixed list id (a customer's layout); ``None`` draws one from the seed."""


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, str, bool], ...]
    """(name, TYPE word, is key column)."""
    visibility: int = 0
    id: int | None = None


MASTER = DatabaseSpec(
    name="Gigya Master",
    key_columns=("GigyaUid",),
    columns=(
        ("GigyaUid", 19),
        ("FirstName", 0),
        ("LastName", 0),
        ("Subscribed", 1),
        ("BirthDate", 3),
        ("Country", 5),
        ("Score", 2),
        ("LastUpdated", 17),
    ),
)
NEWSLETTER = DatabaseSpec(name="Newsletter", key_columns=(EMAIL,), columns=(("FirstName", 0), ("Subscribed", 1)))

DEFAULT_DATABASES: tuple[DatabaseSpec, ...] = (MASTER, NEWSLETTER)

# The database the Gigya <-> Silverpop sample flows (flows/silverpop) write: the default master plus newsletter
# Yes/No fields, a phone for SMS, dates and scoring fields. ``dataflow run --sandbox`` and the flows' tests use it.
INTEGRATION_MASTER = DatabaseSpec(
    name="Gigya Master",
    key_columns=("GigyaUid",),
    columns=(
        ("GigyaUid", 19),
        ("FirstName", 0),
        ("LastName", 0),
        ("Country", 0),
        ("City", 0),
        ("Gender", 0),
        ("SocialProviders", 0),
        ("Subscribed", 1),
        ("NewsletterWeekly", 1),
        ("NewsletterOffers", 1),
        ("NewsletterProduct", 1),
        ("MobilePhone", 16),
        ("BirthDate", 3),
        ("LastUpdated", 17),
        ("Score", 2),
        ("EngagementScore", 2),
    ),
)
INTEGRATION_DATABASES: tuple[DatabaseSpec, ...] = (INTEGRATION_MASTER, NEWSLETTER)
DEFAULT_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "Likes",
        (("GigyaUid", "TEXT", True), ("LikeId", "TEXT", True), ("Name", "TEXT", False),
         ("Category", "TEXT", False), ("CreatedTime", "DATE_TIME", False)),
    ),
    TableSpec(
        "Favorites",
        (("GigyaUid", "TEXT", True), ("FavoriteType", "TEXT", True), ("FavoriteId", "TEXT", True),
         ("Name", "TEXT", False), ("Category", "TEXT", False)),
    ),
    TableSpec(
        "GM",
        (("GigyaUid", "TEXT", True), ("ChallengeId", "TEXT", True), ("Level", "NUMERIC", False),
         ("PointsTotal", "NUMERIC", False), ("LastUpdated", "DATE_TIME", False)),
    ),
    TableSpec(
        "Signals",
        (("GigyaUid", "TEXT", True), ("SignalName", "TEXT", True), ("Value", "TEXT", False),
         ("Timestamp", "DATE_TIME", False)),
    ),
)  # fmt: skip

_FIRST = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas", "Keiko", "Lars")
_LAST = ("Okafor", "Lindqvist", "Moreau", "Nakamura", "Ortiz", "Petrov", "Quinn", "Rossi", "Singh", "Tanaka")
_COUNTRIES = ("Germany", "France", "United States", "Japan", "Brazil", "India", "Canada", "Spain")


def database_columns(spec: DatabaseSpec) -> dict[str, Column]:
    columns = {EMAIL: Column(EMAIL, "email", 9, key=EMAIL in spec.key_columns)}
    for name, code in spec.columns:
        columns[name] = Column(name, LIST_TYPE_KINDS[code], code, key=name in spec.key_columns)
    return columns


def populate(store: Store, databases: tuple[DatabaseSpec, ...], tables: tuple[TableSpec, ...], contacts: int) -> None:
    """Create the seeded databases and tables, and ``contacts`` contacts in the first database."""
    now = store.clock.now()
    store.ids.reserve(spec.id for spec in (*databases, *tables) if spec.id is not None)
    for spec in databases:
        database = Database(
            id=spec.id if spec.id is not None else store.ids.list_id(),
            name=spec.name,
            visibility=spec.visibility,
            created=now,
            modified=now,
            columns=database_columns(spec),
            key_columns=list(spec.key_columns),
        )
        store.databases[database.id] = database
    for table_spec in tables:
        columns = {
            name: Column(name, TABLE_TYPE_KINDS[word], word, required=key, key=key)
            for name, word, key in table_spec.columns
        }
        table = Table(
            id=table_spec.id if table_spec.id is not None else store.ids.list_id(),
            name=table_spec.name,
            visibility=table_spec.visibility,
            created=now,
            modified=now,
            columns=columns,
            key_columns=[name for name, _, key in table_spec.columns if key],
        )
        store.tables[table.id] = table
    if databases and contacts:
        _contacts(store, store.database_by_name(databases[0].name), contacts, store.config.seed)


def _contacts(store: Store, database: Database, count: int, seed: int) -> None:
    rng = random.Random(f"silverpop-contacts/{seed}")
    now = store.clock.now()
    for number in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        created = now - rng.randrange(86_400, 86_400 * 900)
        values = {
            EMAIL: f"{first}.{last}{number}@example.com".lower(),
            "GigyaUid": f"{rng.getrandbits(128):032x}",
            "FirstName": first,
            "LastName": last,
            "Subscribed": rng.choice(("Yes", "No")),
            "Country": rng.choice(_COUNTRIES),
            "Score": str(rng.randrange(0, 1000)),
        }
        fields = {name: values.get(name, "") for name in database.columns}
        opted_out = created + rng.randrange(3600, 86_400) if rng.random() < 0.1 else None
        contact = Contact(store.ids.recipient_id(), fields, created, created, 0, created, opted_out)
        database.add(contact)
        store.record_events(database, contact)
