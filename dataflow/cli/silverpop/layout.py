"""What the flows expect to find in Silverpop: the databases with their fields, the relational tables with columns.

One description serves three readers, so they can never disagree: the flows (which columns they write), the
checklist and header-only CSVs a consultant creates the org from, and the sandbox (``dataflow sandbox
silverpop`` starts with exactly this layout, so the flows run against it unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

from dataflow.cli.silverpop.config import CustomerConfig

UID = "GigyaUid"

# Silverpop database field types: (checklist name, GetListMetaData / AddListColumn type code; silverpop.md §4.2)
TEXT, YES_NO, NUMERIC, TIMESTAMP, EMAIL = ("Text", 0), ("Yes/No", 1), ("Numeric", 2), ("Timestamp", 17), ("Email", 9)
SMS_OPT_IN, SMS_PHONE, PHONE = ("SMS opt-in", 13), ("SMS phone number", 15), ("Phone number", 16)


@dataclass(frozen=True)
class Field:
    name: str
    type: tuple[str, int]
    source: str  # where the value comes from, for the checklist
    key: bool = False


@dataclass(frozen=True)
class Database:
    list_id: str
    name: str
    fields: tuple[Field, ...]
    newsletters: tuple[str, ...]  # its Yes/No newsletter fields
    master: bool


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # relational table TYPE (silverpop.md §4.3)
    key: bool
    source: str


@dataclass(frozen=True)
class Table:
    kind: str  # likes, favorites, gm, signals
    table_id: str
    name: str
    columns: tuple[Column, ...]


TABLES = {
    "likes": (
        "Likes",
        (Column(UID, "TEXT", True, "UID"), Column("LikeId", "TEXT", True, "profile.likes[].id"),
         Column("Name", "TEXT", False, "profile.likes[].name"),
         Column("Category", "TEXT", False, "profile.likes[].category"),
         Column("CreatedTime", "DATE_TIME", False, "profile.likes[].time")),
    ),
    "favorites": (
        "Favorites",
        (Column(UID, "TEXT", True, "UID"), Column("FavoriteType", "TEXT", True, "profile.favorites.<kind>"),
         Column("FavoriteId", "TEXT", True, "profile.favorites.<kind>[].id"),
         Column("Name", "TEXT", False, "profile.favorites.<kind>[].name"),
         Column("Category", "TEXT", False, "profile.favorites.<kind>[].category")),
    ),
    "gm": (
        "GM",
        (Column(UID, "TEXT", True, "UID"), Column("ChallengeId", "TEXT", True, "achievements[].challengeID"),
         Column("Level", "NUMERIC", False, "achievements[].level"),
         Column("PointsTotal", "NUMERIC", False, "achievements[].pointsTotal"),
         Column("LastUpdated", "DATE_TIME", False, "achievements[].lastLevelUpTime")),
    ),
    "signals": (
        "Signals",
        (Column(UID, "TEXT", True, "UID"), Column("SignalName", "TEXT", True, "data.name"),
         Column("Value", "TEXT", False, "data.value"), Column("Timestamp", "DATE_TIME", False, "data.timestamp")),
    ),
}  # fmt: skip

PROFILE = (
    Field("EMAIL", EMAIL, "profile.email"),
    Field(UID, TEXT, "UID", key=True),
    Field("FirstName", TEXT, "profile.firstName"),
    Field("LastName", TEXT, "profile.lastName"),
    Field("Gender", TEXT, "profile.gender"),
    Field("Country", TEXT, "profile.country"),
    Field("City", TEXT, "profile.city"),
    Field("SocialProviders", TEXT, "socialProviders"),
    Field("LastUpdated", TIMESTAMP, "lastUpdatedTimestamp (GMT)"),
)


def contact_fields(config: CustomerConfig, with_contact_extras: bool) -> tuple[Field, ...]:
    """The fields every database gets, plus (in the database that holds them) phones and scoring."""
    fields = list(PROFILE)
    if with_contact_extras and config.sync_phones:
        fields.append(Field("MobilePhone", SMS_PHONE, "profile.phones (the mobile, E.164)"))
        fields.append(Field("Phone", PHONE, "profile.phones (another number, E.164)"))
        if config.sms_consent:
            fields.append(Field("SmsOptIn", SMS_OPT_IN, f"preferences.{config.sms_consent}.isConsentGranted"))
    if with_contact_extras and config.sync_scoring:
        fields.extend(
            Field(name, NUMERIC, "Silverpop scoring (read back into Gigya)") for name in config.scoring_fields
        )
    return tuple(fields)


def extras_list_id(config: CustomerConfig) -> str:
    """The database that holds phones and scores: the master, else the first newsletter's database."""
    return config.list_id or config.all_list_ids[0]


def databases(config: CustomerConfig) -> list[Database]:
    found = []
    extras = extras_list_id(config)
    if config.list_id:
        newsletters = tuple(
            Field(item.field, YES_NO, f"subscriptions.{item.subscription}.email.isSubscribed")
            for item in config.field_newsletters
        )
        fields = contact_fields(config, True) + newsletters
        found.append(Database(config.list_id, config.master_name, fields, tuple(f.name for f in newsletters), True))
    for item in config.database_newsletters:
        assert item.list_id is not None
        field = Field(item.field, YES_NO, f"subscriptions.{item.subscription}.email.isSubscribed")
        fields = (*contact_fields(config, item.list_id == extras), field)
        name = item.database_name or f"Newsletter {item.subscription}"
        found.append(Database(item.list_id, name, fields, (item.field,), False))
    return found


def tables(config: CustomerConfig) -> list[Table]:
    return [Table(kind, table_id, *TABLES[kind]) for kind, table_id in config.tables.items()]
