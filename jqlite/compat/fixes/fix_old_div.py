"""``a / b`` -> ``old_div(a, b)`` and ``a /= b`` -> ``a = old_div(a, b)``.

Python 2 floors ``/`` between integers (``str(11 / 3)`` is ``'3'``); Python 3 divides exactly.
:func:`jqlite.compat.source.old_div` restores Python 2's result at run time, when the operand
types are known (a static rewrite to ``//`` cannot tell ints from floats).  Not applied to
files that say ``from __future__ import division``.
"""

from fissix import fixer_base, pytree
from fissix.fixer_util import Call, Comma, Name
from fissix.pygram import python_symbols as syms
from fissix.pgen2 import token


class FixOldDiv(fixer_base.BaseFix):
    """fissix fixer: every ``/`` (and ``/=``) becomes a call of ``old_div`` (see module docstring)."""

    BM_compatible = False
    PATTERN = "term< any+ > | expr_stmt< any '/=' any >"

    def transform(self, node, results):
        if node.type == syms.expr_stmt:
            target, op, value = node.children
            if op.value != "/=":
                return None
            tgt = target.clone()
            tgt.prefix = ""
            val = value.clone()
            prefix = val.prefix
            val.prefix = " "
            call = Call(Name("old_div"), [tgt, Comma(), val], prefix=" " if not prefix.strip() else prefix)
            op.replace(pytree.Leaf(token.EQUAL, "=", prefix=op.prefix))
            value.replace(call)
            return None
        kids = node.children
        if not any(k.type == token.SLASH for k in kids):
            return None
        first = kids[0].clone()
        prefix = first.prefix
        first.prefix = ""
        acc = first
        ops = [k for k in kids[1::2]]
        operands = kids[2::2]
        for op, rhs in zip(ops, operands):
            rhs = rhs.clone()
            if op.type == token.SLASH:
                comma = Comma()
                comma.prefix = op.prefix if op.prefix.strip(" \t") else ""
                if not rhs.prefix:
                    rhs.prefix = " "
                acc = Call(Name("old_div"), [acc, comma, rhs])
            else:
                acc = pytree.Node(syms.term, [acc, op.clone(), rhs])
        acc.prefix = prefix
        return acc
