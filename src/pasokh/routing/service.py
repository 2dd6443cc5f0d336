"""Route conversations and assign them to agents; every decision is stored with its reasons.

The work lives in modules named for what they do; this module keeps the public names:

- `route`: the route decision (rules, team, priority, SLA clock), one or many at once;
- `dispatch`: assignment (the least-loaded skilled agent takes the head of their line),
  filling an agent's freed capacity, rebalancing;
- `queue`: the queue-head and claim statements those use;
- `handback`: presence changes (hand-back of unanswered work) and supervisor overrides;
- `decisions`: storing decisions and their audit events.
"""

from pasokh.routing.decisions import do_record
from pasokh.routing.dispatch import (
    do_dispatch,
    do_fill_capacity,
    do_rebalance,
    load_agents,
    waiting_of,
)
from pasokh.routing.handback import do_assign, do_override, do_set_presence
from pasokh.routing.route import (
    Routed,
    Target,
    do_route,
    do_route_many,
    facts_of,
    load_targets,
    message_texts,
    route_one,
)

__all__ = [
    "Routed", "Target", "do_assign", "do_dispatch", "do_fill_capacity", "do_override",
    "do_rebalance", "do_record", "do_route", "do_route_many", "do_set_presence", "facts_of",
    "load_agents", "load_targets", "message_texts", "route_one", "waiting_of",
]
