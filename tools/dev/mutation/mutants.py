"""Mutants of a Python source file: one small AST edit each (mutation testing).

A mutant is the module with one plausible one-line bug: a comparison flipped (``<`` to
``<=``), an arithmetic operator swapped (``+`` to ``-``), a number changed (+1, -1, 0), a
boolean or a condition negated, ``and``/``or`` exchanged, a ``return`` made to return
``None``, a statement removed (replaced with ``pass``) or the first two positional
arguments of a call swapped. A test suite that lets a mutant pass does not check what that
line does.

Written by hand rather than taken from mutmut 3 (measured in docs/testing.md): mutmut
skips every decorated function (``@property``, ``@torch.no_grad()``, ``@float32_compute``),
module-level tables and default arguments, which is where segplug's wiring lives (e.g.
``SoftClustering.tau`` is a property), and most of its surviving mutants are edited error
messages. Here strings, docstrings, annotations, imports, decorators and ``raise``
messages are never mutated.

Mutants are numbered by a deterministic walk of the tree, so ``(path, index)`` names one
mutant for as long as the file is unchanged; ``Mutant.key`` (path, line and the edit as
text) is what the checked-in list of equivalent mutants refers to.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass, replace
from typing import Callable, Iterator

_COMPARE_FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_MAX_TEXT = 90


@dataclass(frozen=True)
class Mutant:
    """One edit of one file.

    Attributes:
        path: the file, relative to the repository root (``segplug/engine/x.py``).
        index: position of the edit in the file's deterministic walk.
        line: first line of the edited statement (what coverage reports).
        end_line: last line of the edited node.
        op: operator name (``compare``, ``binop``, ``constant``, ...).
        before, after: the edited node as source, before and after.
    """

    path: str
    index: int
    line: int
    end_line: int
    op: str
    before: str
    after: str

    @property
    def key(self) -> str:
        return f'{self.path}:{self.line}: {self.before} -> {self.after}'


@dataclass
class _Site:
    node: ast.AST  # the node shown as before/after text
    stmt: ast.stmt  # the statement containing it (its first line is the covered line)
    op: str
    apply: Callable[[], Callable[[], None]]  # makes the edit; returns what undoes it
    shown_after: Callable[[], ast.AST] | None = None  # what to show once applied


def _text(node: ast.AST) -> str:
    text = ' '.join(ast.unparse(node).split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + '...'


def _is_docstring(stmt: ast.stmt, body: list[ast.stmt]) -> bool:
    return (
        stmt is body[0]
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
    )


def _int_variants(value: int) -> list[int]:
    out = []
    for v in (value + 1, value - 1, 0):
        if v != value and v not in out:
            out.append(v)
    return out


def _float_variants(value: float) -> list[float]:
    return [v for v in (value + 1.0, 0.0) if v != value]


def _set(obj: object, field: str, value: object) -> Callable[[], Callable[[], None]]:
    def apply() -> Callable[[], None]:
        old = getattr(obj, field)
        setattr(obj, field, value)
        return lambda: setattr(obj, field, old)

    return apply


class _Walker:
    """Collects the mutation sites of a module in a fixed order (source order)."""

    def __init__(self) -> None:
        self.sites: list[_Site] = []

    def add(
        self,
        node: ast.AST,
        stmt: ast.stmt,
        op: str,
        apply: Callable[[], Callable[[], None]],
        shown_after: Callable[[], ast.AST] | None = None,
    ) -> None:
        self.sites.append(_Site(node, stmt, op, apply, shown_after))

    def negate(self, owner: ast.AST, stmt: ast.stmt) -> None:
        test = owner.test
        if isinstance(test, ast.Compare) or (
            isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        ):
            return  # flipped by the compare and unary operators already
        self.add(
            test,
            stmt,
            'negate',
            _set(owner, 'test', ast.UnaryOp(ast.Not(), test)),
            lambda: owner.test,
        )

    def body(self, stmts: list[ast.stmt]) -> None:
        for i, stmt in enumerate(list(stmts)):
            if _is_docstring(stmt, stmts):
                continue
            self.statement(stmts, i, stmt)

    def statement(self, stmts: list[ast.stmt], i: int, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Pass)):
            return
        if isinstance(stmt, ast.If) and _text(stmt.test) == 'TYPE_CHECKING':
            return
        if _removable(stmt):
            replacement = ast.copy_location(ast.Pass(), stmt)
            self.add(stmt, stmt, 'remove', _set_item(stmts, i, replacement))
        if isinstance(stmt, ast.Raise):
            return  # the removal above is the mutant; its message is not
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in stmt.args.defaults + [d for d in stmt.args.kw_defaults if d]:
                self.expr(default, stmt)
            self.body(stmt.body)
            return
        if isinstance(stmt, ast.ClassDef):
            self.body(stmt.body)
            return
        if (
            isinstance(stmt, ast.Return)
            and stmt.value is not None
            and not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
        ):
            self.add(stmt, stmt, 'return', _set(stmt, 'value', ast.Constant(None)))
        if isinstance(stmt, (ast.If, ast.While)):
            self.negate(stmt, stmt)
        for field, value in ast.iter_fields(stmt):
            if field in ('annotation', 'returns', 'decorator_list', 'type_comment'):
                continue
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self.body(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.excepthandler):
                        self.body(item.body)
                    elif isinstance(item, ast.withitem):
                        self.expr(item.context_expr, stmt)
                    elif isinstance(item, ast.AST):
                        self.expr(item, stmt)
            elif isinstance(value, ast.expr):
                self.expr(value, stmt)

    def expr(self, node: ast.expr, stmt: ast.stmt) -> None:
        if _is_str(node):
            return
        if isinstance(node, ast.Compare):
            for j, cmp_op in enumerate(node.ops):
                flipped = _COMPARE_FLIP.get(type(cmp_op))
                if flipped:
                    self.add(node, stmt, 'compare', _set_item(node.ops, j, flipped()))
        elif isinstance(node, ast.BinOp) and not (_is_str(node.left) or _is_str(node.right)):
            swapped = _BINOP_SWAP.get(type(node.op))
            if swapped:
                self.add(node, stmt, 'binop', _set(node, 'op', swapped()))
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self.add(node, stmt, 'boolop', _set(node, 'op', other))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            self.add(node, stmt, 'unary', _replace_with(node, node.operand))
        elif isinstance(node, ast.IfExp):
            self.negate(node, stmt)
        elif isinstance(node, ast.Constant):
            self.constant(node, stmt)
            return
        elif isinstance(node, ast.Call):
            if (
                len(node.args) >= 2
                and not any(isinstance(a, ast.Starred) for a in node.args[:2])
                and _text(node.args[0]) != _text(node.args[1])
            ):
                self.add(node, stmt, 'swap_args', _swap_first_args(node))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, stmt)
            elif isinstance(child, ast.comprehension):
                for sub in [child.iter, *child.ifs]:
                    self.expr(sub, stmt)
            elif isinstance(child, ast.keyword):
                self.expr(child.value, stmt)

    def constant(self, node: ast.Constant, stmt: ast.stmt) -> None:
        value = node.value
        if isinstance(value, bool):
            self.add(node, stmt, 'constant', _set(node, 'value', not value))
        elif isinstance(value, int):
            for v in _int_variants(value):
                self.add(node, stmt, 'constant', _set(node, 'value', v))
        elif isinstance(value, float):
            for v in _float_variants(value):
                self.add(node, stmt, 'constant', _set(node, 'value', v))


def _set_item(seq: list, i: int, value: object) -> Callable[[], Callable[[], None]]:
    def apply() -> Callable[[], None]:
        old = seq[i]
        seq[i] = value
        return lambda: seq.__setitem__(i, old)

    return apply


def _replace_with(node: ast.AST, other: ast.AST) -> Callable[[], Callable[[], None]]:
    """Turn ``node`` into a copy of ``other`` in place (its parent keeps the same object)."""

    def apply() -> Callable[[], None]:
        cls, fields = node.__class__, dict(node.__dict__)
        replacement = copy.deepcopy(other)
        node.__class__ = replacement.__class__
        node.__dict__.clear()
        node.__dict__.update(replacement.__dict__)

        def undo() -> None:
            node.__class__ = cls
            node.__dict__.clear()
            node.__dict__.update(fields)

        return undo

    return apply


def _swap_first_args(call: ast.Call) -> Callable[[], Callable[[], None]]:
    def swap() -> Callable[[], None]:
        call.args[0], call.args[1] = call.args[1], call.args[0]
        return swap  # swapping again undoes it

    return swap


def _removable(stmt: ast.stmt) -> bool:
    """Statements whose removal leaves a module that still runs, wrongly.

    Calls for their effect, augmented assignments, writes to attributes or items, raises,
    and a name rebound from itself (``x = x.float()``); removing a first assignment would
    only give a NameError.
    """
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Call)
    if isinstance(stmt, (ast.AugAssign, ast.Raise)):
        return True
    if isinstance(stmt, ast.Assign):
        if all(isinstance(t, (ast.Attribute, ast.Subscript)) for t in stmt.targets):
            return True
        names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        return len(stmt.targets) == 1 and bool(names & used)
    return False


def _sites(tree: ast.Module) -> list[_Site]:
    walker = _Walker()
    walker.body(tree.body)
    return walker.sites


def _apply(site: _Site, path: str, index: int) -> tuple[Mutant, Callable[[], None]]:
    """Make ``site``'s edit in its tree: the mutant it is, and what undoes the edit."""
    before = _text(site.node)
    undo = site.apply()
    if site.op == 'remove':
        after = 'pass'
    else:
        after = _text(site.shown_after() if site.shown_after else site.node)
    end = getattr(site.node, 'end_lineno', None) or site.stmt.lineno
    mutant = Mutant(
        path, index, site.stmt.lineno, max(end, site.stmt.lineno), site.op, before, after
    )
    return mutant, undo


def _describe(source: str, path: str, index: int) -> tuple[Mutant, ast.Module]:
    tree = ast.parse(source, filename=path)
    mutant, _ = _apply(_sites(tree)[index], path, index)
    ast.fix_missing_locations(tree)
    return mutant, tree


def file_mutants(source: str, path: str) -> list[Mutant]:
    """All mutants of one file's source, in walk order; ``path`` as the report names it."""
    # one parse and one walk, each edit made, described and undone in turn (a parse and a
    # walk per mutant made this quadratic: 11 s for the files equivalents.txt names)
    out, seen = [], {}
    for i, site in enumerate(_sites(ast.parse(source, filename=path))):
        mutant, undo = _apply(site, path, i)
        undo()
        seen[mutant.key] = seen.get(mutant.key, 0) + 1
        if seen[mutant.key] > 1:  # the same edit twice on one line: number the later ones
            mutant = replace(mutant, after=f'{mutant.after} (#{seen[mutant.key]})')
        out.append(mutant)
    return out


def mutated_code(source: str, path: str, index: int, filename: str | None = None):
    """The code object of mutant ``index`` of ``source`` (compiled under ``filename``)."""
    _, tree = _describe(source, path, index)
    return compile(tree, filename or path, 'exec')


def iter_sample(mutants: list[Mutant], size: int | None, seed: int) -> Iterator[Mutant]:
    """``size`` mutants drawn without replacement with ``random.Random(seed)`` (all if None
    or at least as many as there are), in path and walk order."""
    chosen = mutants
    if size is not None and size < len(mutants):
        chosen = random.Random(seed).sample(mutants, size)
    yield from sorted(chosen, key=lambda m: (m.path, m.index))
