"""Conversation persistence: who owns what, the tables, and the store the API reads and writes."""

from bank_router.store.owner import Owner, owner_of
from bank_router.store.records import PurgeResult, StoredTurn, TurnRecord
from bank_router.store.repo import ConversationStore

__all__ = ["ConversationStore", "Owner", "PurgeResult", "StoredTurn", "TurnRecord", "owner_of"]
