"""mkdocs hooks of the documentation site (mkdocs.yml, `make docs`).

- The file-format reference page is written from schemas/iamctl.schema.json at each build
  (scripts/schema_reference.py): no copy of the schema is kept by hand.
- CONTRIBUTING.md and CHANGELOG.md, at the top of the repository where GitHub shows them, are
  pages of the site too.
- The pages link to the repository's files (`../examples/tutorial/account.yaml`) by relative
  paths, so the links work on GitHub as well. mkdocs knows only docs/, and would report them as
  broken: each linked file that exists is copied into the site under `repository/`, and the link
  is pointed at the copy. A link to a file that does not exist is left as it is, and the strict
  build fails on it.
"""

from __future__ import annotations

import json
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # mkdocs loads this file by its path, not as scripts.*

from scripts.schema_reference import schema_reference  # noqa: E402

SCHEMA = "schemas/iamctl.schema.json"
SCHEMA_PAGE = "reference/schema.md"
# Pages whose source is not under docs/: site path -> path in the repository.
OUTSIDE_PAGES = {"contributing.md": "CONTRIBUTING.md", "changelog.md": "CHANGELOG.md"}
COPIES = "repository/"  # where the site keeps copies of the repository files the pages link to
# A Markdown inline link's target: `[text](target)` or `[text](target#anchor)`.
LINK = re.compile(r"(\]\()([^)\s#]+)(#[^)\s]*)?(\))")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def on_files(files: Files, config: Any) -> Files:
    schema_link = posixpath.relpath(COPIES + SCHEMA, posixpath.dirname(SCHEMA_PAGE))
    content = schema_reference(json.loads((REPO_ROOT / SCHEMA).read_text()), schema_link)
    files.append(File.generated(config, SCHEMA_PAGE, content=content))
    for site_path, repo_path in OUTSIDE_PAGES.items():
        files.append(File.generated(config, site_path, abs_src_path=str(REPO_ROOT / repo_path)))
    for page in list(files.documentation_pages()):
        for target in repository_files(page_source(page), repo_path_of(page.src_uri)):
            if files.get_file_from_path(COPIES + target) is None:
                files.append(File.generated(
                    config, COPIES + target, abs_src_path=str(REPO_ROOT / target)
                ))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Each relative link resolved in the repository and pointed at the page or copy the site
    has for it."""
    repo_path = repo_path_of(page.file.src_uri)

    def site_link(match: re.Match[str]) -> str:
        target = match.group(2)
        if EXTERNAL.match(target) or target.startswith("/"):
            return match.group(0)
        site_target = site_path_of(resolve(repo_path, target))
        if site_target is None:
            return match.group(0)  # not in the site: mkdocs reports the broken link
        link = posixpath.relpath(site_target, posixpath.dirname(page.file.src_uri) or ".")
        return f"{match.group(1)}{link}{match.group(3) or ''}{match.group(4)}"

    return LINK.sub(site_link, markdown)


def page_source(page: File) -> str:
    return page.content_string


def repo_path_of(site_path: str) -> str:
    return OUTSIDE_PAGES.get(site_path, "docs/" + site_path)


def resolve(repo_path: str, target: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), target))


def site_path_of(repo_target: str) -> str | None:
    """Where the site has a repository path: a page of docs/, an outside page, or a copy."""
    if repo_target.startswith("docs/"):
        return repo_target.removeprefix("docs/")
    for site_path, repo_path in OUTSIDE_PAGES.items():
        if repo_target == repo_path:
            return site_path
    if repo_target == "README.md":
        return "index.md"  # the site's front page plays the README's part
    if repo_target.startswith("..") or not (REPO_ROOT / repo_target).is_file():
        return None
    return COPIES + repo_target


def repository_files(markdown: str, repo_path: str) -> list[str]:
    """The repository files (outside docs/, not pages) a page links to, that exist."""
    targets = []
    for match in LINK.finditer(markdown):
        target = match.group(2)
        if EXTERNAL.match(target) or target.startswith("/"):
            continue
        site_target = site_path_of(resolve(repo_path, target))
        if site_target is not None and site_target.startswith(COPIES):
            targets.append(site_target.removeprefix(COPIES))
    return targets
