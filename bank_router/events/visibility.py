"""Who may receive an event: a subscriber gets it only if its permissions would let it read the event's data.

Webhooks (with the permissions of the token that registered them) and WebSocket subscribers (with their
socket's token) go through this one rule, so an event never carries to a subscriber what the same token
could not read through the tools:

| event | needs |
|---|---|
| `conversation.started` | nothing more (a conversation id and a channel) |
| `tool.executed` | the tool's own permission (none for a tool that needs none); a customer tool: `customer:read` |
| `decision.made` | `loan:read` or `loan:score`, and `customer:read` (a score of a named customer) |
| `human.intervention.requested` | `loan:score` and `customer:read`; a customer's hand-over: `customer:read` |

An event type not in the table, or a tool the catalogue does not know, goes to nobody.
"""

from __future__ import annotations

from collections.abc import Collection

from bank_router.events.bus import CONVERSATION_STARTED, DECISION_MADE, HUMAN_INTERVENTION, TOOL_EXECUTED, Event

# Each entry: groups that must all be met; a group is met by any one of its permissions.
_NEEDS: dict[str, tuple[frozenset[str], ...]] = {
    CONVERSATION_STARTED: (),
    DECISION_MADE: (frozenset({"loan:read", "loan:score"}), frozenset({"customer:read"})),
    HUMAN_INTERVENTION: (frozenset({"loan:score"}), frozenset({"customer:read"})),
}
REVIEWER_PERMISSIONS = ("loan:score", "customer:read")  # what a socket needs for human_intervention


CUSTOMER_EVENTS = frozenset({"customer:read"})  # a customer's own activity is read like their records


def _tool_permission(name: object) -> tuple[bool, str | None]:
    """(known, permission) of a catalogue tool; imported late: the catalogue publishes on this bus."""
    from bank_router.tools.catalog import find

    tool = find(name) if isinstance(name, str) else None
    if tool is not None and tool.audience == "customer":
        return True, "customer:read"
    return (tool is not None, tool.permission if tool is not None else None)


def needs(event: Event) -> tuple[frozenset[str], ...] | None:
    """The permission groups the event's data needs; None: nobody may receive it."""
    if event.type == TOOL_EXECUTED:
        known, permission = _tool_permission(event.data.get("tool"))
        if not known:
            return None
        return (frozenset({permission}),) if permission else ()
    if event.type == HUMAN_INTERVENTION and event.data.get("source") == "customer":
        return (CUSTOMER_EVENTS,)  # a signed-in customer's hand-over (a transfer, a dispute): no score in it
    return _NEEDS.get(event.type)


def readable(event: Event, permissions: Collection[str]) -> bool:
    """Whether a subscriber holding `permissions` may receive `event`."""
    groups = needs(event)
    return groups is not None and all(any(p in permissions for p in group) for group in groups)
