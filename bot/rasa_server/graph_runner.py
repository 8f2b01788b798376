"""A graph runner for predictions that runs the nodes in a fixed order, without dask.

Rasa 3.6 runs each prediction graph (NLU pipeline per message, policies per action prediction)
with ``DaskGraphRunner``: every run rebuilds the minimal schema (a recursive walk that lists
shared dependencies once per path), builds a dask graph, and lets dask's scheduler order and
dispatch the tasks. On a 2-core machine that is about a tenth of a dialogue turn's CPU, for a
graph of a dozen nodes that always runs in the same order.

``SequentialGraphRunner`` computes, once per set of targets, the nodes the targets need in a
topological order, then calls each node with its dependencies' results — what dask's
synchronous scheduler does, minus the bookkeeping. Nodes, hooks, inputs, results and errors are
Rasa's own: ``GraphNode`` is called exactly as dask calls it, an input that clashes with a node
name raises the same ``GraphRunError``, and a ``RuntimeError`` becomes a ``GraphRunError`` as in
``DaskGraphRunner.run``. Used for predictions only (bot.rasa_server.patches); training keeps dask.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger(__name__)

Plan = List[Tuple[Text, Tuple[Text, ...]]]


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` with dask's scheduling replaced by a precomputed node order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], Plan] = {}

    def _plan(self, targets: Tuple[Text, ...]) -> Plan:
        """(node, names of the values it needs) for every node the targets depend on, each after
        its dependencies."""
        plan = self._plans.get(targets)
        if plan is not None:
            return plan
        nodes = self._graph_schema.nodes
        plan, done, visiting = [], set(), set()

        def visit(name: Text) -> None:
            if name in done or name not in nodes:  # not a node: an input placeholder
                return
            if name in visiting:
                raise GraphRunError(f"The graph has a cycle through '{name}'.")
            visiting.add(name)
            needs = tuple(nodes[name].needs.values())
            for dependency in needs:
                visit(dependency)
            visiting.discard(name)
            done.add(name)
            plan.append((name, needs))

        for target in targets:
            visit(target)
        self._plans[targets] = plan
        return plan

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        plan = self._plan(tuple(run_targets))
        values: Dict[Text, Any] = {}
        if inputs:
            planned = {name for name, _ in plan}
            for name, value in inputs.items():
                if isinstance(value, str) and value in planned:
                    raise GraphRunError(
                        f"Input value '{value}' clashes with a node name. Make sure that none of the "
                        f"input names passed to the `run` method are the same as node names in the "
                        f"graph schema."
                    )
                # As DaskGraphRunner: an input reaches a node as the pair (name, value).
                values[name] = (name, value)
        logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
        try:
            for name, needs in plan:
                # A need that is neither a node nor an input is passed as it is (dask does the same).
                values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        # As dask.get: each target's (name, value) pair, made into {name: value}.
        return dict(values[target] for target in run_targets)
