"""The package keeps its own import rules: the cycles once broken stay broken, and no new cycle appears.

The layers and the forbidden imports are import-linter's contracts in pyproject.toml (`make check`);
these tests read the same import graph (grimp, imports inside functions and under TYPE_CHECKING too),
so a cycle hidden behind an import inside a function counts as one.
"""

import grimp
import pytest

# Modules still caught in one knot, each for its own later change: init_db() runs the migrations, which
# import every table module (desk.db <-> desk.migrations through desk.models), and the catalog's reference
# checks (catalog_checks.py) reach modules that ask get_catalog(). This set may only shrink, but for
# modules drawn in through those two cycles alone (named with their chain below, when they came).
KNOWN_KNOT = {
    "desk.archive.archive_check",
    "desk.archive.export_pdf",
    "desk.archive.intake",
    "desk.archive.retention",
    "desk.archive.viewer",
    "desk.cases.amounts",
    "desk.cases.catalog",
    "desk.cases.catalog_checks",
    "desk.cases.checklist",
    "desk.cases.counter",
    "desk.cases.document_fit",
    "desk.cases.eligibility",
    "desk.cases.forms",
    "desk.cases.inquiry",
    "desk.cases.notice",
    "desk.cases.numbering",
    "desk.cases.postings",
    "desk.cases.submitting",
    "desk.cases.tables",
    "desk.cases.to_bring",
    "desk.cases.workflow",
    "desk.db",
    "desk.migrations",
    "desk.models",
    "desk.security.access_log",
    # papers -> catalog -> catalog_checks -> forms -> workflow -> papers
    "desk.cases.papers",
    # counter_time -> access_log -> db -> migrations -> models -> submitting -> counter -> workflow -> counter_time
    "desk.cases.counter_time",
    # legal_hold -> db -> migrations -> models -> submitting -> counter -> intake -> legal_hold
    "desk.archive.legal_hold",
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("desk", exclude_type_checking_imports=False)


def _cyclic_modules(graph: grimp.ImportGraph) -> set[str]:
    """Every module on an import cycle (Tarjan's strongly connected components, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cyclic.update(component)
    return cyclic


def test_no_import_cycle_beyond_the_known_knot(graph):
    cyclic = _cyclic_modules(graph)
    assert cyclic <= KNOWN_KNOT, f"new import cycle through {sorted(cyclic - KNOWN_KNOT)}"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("desk.cases.messages", "desk.cases.catalog"),  # the catalog's names come in as Labels
        ("desk.capture.pdf_pages", "desk.capture.inputs"),  # both share capture/source_pages.py
        ("desk.records.demo_facts", "desk.records.demo_generator"),  # both share records/demo_draft.py
    ],
)
def test_broken_cycles_stay_broken(graph, importer, imported):
    assert graph.find_shortest_chain(importer=importer, imported=imported) is None


def test_the_cycle_finder_finds_a_cycle():
    made = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        made.add_module(name)
    made.add_import(importer="a.b", imported="a.c")
    made.add_import(importer="a.c", imported="a.b")
    made.add_import(importer="a.c", imported="a.d")
    assert _cyclic_modules(made) == {"a.b", "a.c"}
