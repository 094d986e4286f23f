"""Equal meaning is no change, on every AWS managed policy that moto ships (over 1,000 documents
written by AWS): each re-spelled in every way IAM ignores plans nothing; each with one thing that
matters edited plans an update. In-process and pure: `diff_policy` on two states."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data

from reconciler.core.changes import ChangeKind
from reconciler.core.diff.diff import diff_policy
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.meaning import statement as statement_meaning
from reconciler.core.state import ManagedPolicy

CORPUS: dict[str, dict[str, Any]] = {
    name: policy["Document"] for name, policy in json.loads(aws_managed_policies_data).items()
}


def planned(written: Any, live: Any) -> list[ChangeKind]:
    wanted = ManagedPolicy("p", canonical(written))
    current = ManagedPolicy("p", canonical(live), arn="arn:aws:iam::123456789012:policy/p")
    return [change.kind for change in diff_policy(wanted, current)]


# Re-spellings IAM gives no meaning to.


def recase(text: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def shuffled_keys(mapping: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    keys = list(mapping)
    rng.shuffle(keys)
    return {key: mapping[key] for key in keys}


def same(value: Any) -> Any:
    return value


def respelled_list(value: Any, rng: random.Random, fold: Callable[[Any], Any]) -> Any:
    """Shuffled, re-cased by `fold`, one value doubled; a list of one may become a string."""
    items = [fold(item) for item in (value if isinstance(value, list) else [value])]
    rng.shuffle(items)
    if len(items) == 1:
        return items[0] if isinstance(value, list) else items
    return items + [items[0]]


def respelled_condition(condition: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        operator: shuffled_keys(
            {recase(key, rng): respelled_list(values, rng, same) for key, values in block.items()},
            rng,
        )
        for operator, block in condition.items()
    }


def respelled_statement(statement: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    result = dict(statement)
    for key in ("Action", "NotAction"):
        if key in result:
            result[key] = respelled_list(result[key], rng, lambda action: recase(action, rng))
    for key in ("Resource", "NotResource"):
        if key in result:
            result[key] = respelled_list(result[key], rng, same)
    if "Condition" in result:
        result["Condition"] = respelled_condition(result["Condition"], rng)
    return shuffled_keys(result, rng)


def respelled(document: dict[str, Any], seed: str) -> dict[str, Any]:
    rng = random.Random(seed)
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    new = [respelled_statement(statement, rng) for statement in statements]
    rng.shuffle(new)
    new.append(respelled_statement(rng.choice(statements), rng))  # a duplicate statement
    return shuffled_keys({**document, "Statement": new}, rng)


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) > 1000


def test_every_respelled_managed_policy_plans_nothing() -> None:
    changed = [name for name, document in CORPUS.items()
               if planned(respelled(document, name), document)]
    assert changed == []


# Edits that matter, one per document.


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def replace_first(values: Any, new: str) -> list[str]:
    items = values if isinstance(values, list) else [values]
    return [new, *items[1:]]


def edit_action(document: dict[str, Any]) -> bool:
    statement = statements_of(document)[0]
    key = "Action" if "Action" in statement else "NotAction"
    statement[key] = replace_first(statement[key], "iamctltest:EditedAction")
    return True


def edit_resource(document: dict[str, Any]) -> bool:
    statement = statements_of(document)[0]
    key = "Resource" if "Resource" in statement else "NotResource"
    if key not in statement:
        return False
    statement[key] = replace_first(statement[key], "arn:aws:s3:::iamctl-edited")
    return True


def edit_effect(document: dict[str, Any]) -> bool:
    statement = statements_of(document)[0]
    statement["Effect"] = "Deny" if statement["Effect"] == "Allow" else "Allow"
    return True


def edit_condition_value(document: dict[str, Any]) -> bool:
    for statement in statements_of(document):
        for block in statement.get("Condition", {}).values():
            key = next(iter(block))
            block[key] = replace_first(block[key], "iamctl-edited-value")
            return True
    return False


def remove_statement(document: dict[str, Any]) -> bool:
    statements = statements_of(document)
    meanings = [json.dumps(statement_meaning(s), sort_keys=True) for s in statements]
    unique = [i for i, m in enumerate(meanings) if meanings.count(m) == 1]
    if len(statements) < 2 or not unique:
        return False
    document["Statement"] = [s for i, s in enumerate(statements) if i != unique[0]]
    return True


EDITS = (edit_action, edit_resource, edit_effect, edit_condition_value, remove_statement)


def edited(document: dict[str, Any], index: int) -> tuple[str, dict[str, Any]]:
    """One edit per document, taking the edits in turn; one that does not apply passes on."""
    for step in range(len(EDITS)):
        edit = EDITS[(index + step) % len(EDITS)]
        copied = copy.deepcopy(document)
        if edit(copied):
            return edit.__name__, copied
    raise AssertionError("no edit applies")


def test_every_edit_that_matters_is_planned() -> None:
    missed, used = [], set()
    for index, (name, document) in enumerate(CORPUS.items()):
        edit, changed = edited(document, index)
        used.add(edit)
        if planned(respelled(changed, name), document) != [ChangeKind.POLICY_DOCUMENT]:
            missed.append((name, edit))
    assert missed == []
    assert used == {edit.__name__ for edit in EDITS}


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_each_kind_of_edit_is_planned_on_its_own(edit: Callable[[dict[str, Any]], bool]) -> None:
    applied = 0
    for name, document in list(CORPUS.items())[:300]:  # the whole corpus is edited above
        changed = copy.deepcopy(document)
        if edit(changed):
            applied += 1
            assert planned(changed, document) == [ChangeKind.POLICY_DOCUMENT], name
    assert applied > 50


def test_an_update_sends_the_document_as_written() -> None:
    # The compared form is lower case and sorted; what apply sends is the user's own text.
    live = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    written = {"Statement": [{"Resource": "*", "Effect": "Allow",
                              "Action": ["S3:GetObject", "s3:PutObject"]}],
               "Version": "2012-10-17"}
    wanted = ManagedPolicy("p", canonical(written))
    (change,) = diff_policy(wanted, ManagedPolicy("p", canonical(live), arn="arn:p"))
    assert isinstance(change.after, str)  # a document's text, as apply sends it
    assert json.loads(change.after) == written
    assert list(json.loads(change.after)) == ["Statement", "Version"]
