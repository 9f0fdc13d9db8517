"""Reads a DAG file rendered by `lwm airflow render` with Python's own parser (ast) and prints what it declares as
JSON: the imports, the DAG's arguments, every operator task with its literal arguments, and the edges between task
ids. The Java test compares that with the pipeline. Runs on Debian's python3 without Airflow."""
import ast
import json
import sys


def value(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return {"source": ast.unparse(node)}


def chain(node, names):
    """a >> b >> c as the list [a, b, c] of task variables."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return chain(node.left, names) + chain(node.right, names)
    if isinstance(node, ast.Name) and node.id in names:
        return [node.id]
    raise SystemExit("not a task in an edge: " + ast.unparse(node))


def main(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    imports, dags = [], []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            imports += [stmt.module + "." + a.name for a in stmt.names]
        elif isinstance(stmt, ast.Import):
            imports += [a.name for a in stmt.names]
        elif isinstance(stmt, ast.With):
            dags.append(stmt)
        else:
            raise SystemExit("unexpected top-level statement: " + ast.unparse(stmt))
    if len(dags) != 1:
        raise SystemExit("expected one `with DAG(...) as dag:` block, found %d" % len(dags))
    item = dags[0].items[0]
    call = item.context_expr
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "DAG"):
        raise SystemExit("the with block does not open a DAG")
    out = {
        "imports": imports,
        "dag_as": item.optional_vars.id if item.optional_vars is not None else None,
        "dag": {k.arg: value(k.value) for k in call.keywords},
        "tasks": [],
        "edges": [],
    }
    names = {}
    for stmt in dags[0].body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            var = stmt.targets[0].id
            kwargs = {k.arg: value(k.value) for k in stmt.value.keywords}
            names[var] = kwargs.get("task_id")
            out["tasks"].append({"var": var, "operator": stmt.value.func.id, "args": len(stmt.value.args), "kwargs": kwargs})
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.BinOp):
            tasks = chain(stmt.value, names)
            out["edges"] += [[names[a], names[b]] for a, b in zip(tasks, tasks[1:])]
        else:
            raise SystemExit("unexpected statement in the DAG: " + ast.unparse(stmt))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


main(sys.argv[1])
