"""``scrapy datasette``: Datasette on the crawl's database, with the shipped metadata (needs the datasette extra)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands.crawl import EXIT_FAILED, missing_database
from crawler.datasette import TRUNCATE_CELLS, write_metadata


class Command(ScrapyCommand):
    """Serve ``SQLITE_PATH`` with Datasette and the project's metadata; other arguments go to ``datasette serve``.

    The same as ``datasette crawl.db -m crawler/datasette/metadata.yml --setting truncate_cells_html 300``,
    for a database of any name. Datasette opens the file read-only as well as a crawl writes it.
    """

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[datasette serve options, e.g. --port 8001 --open]"

    def short_desc(self) -> str:
        return "Browse the crawl's database with Datasette (pip install '.[datasette]')"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        datasette = shutil.which(
            "datasette", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        )
        if datasette is None:
            print("Datasette is not installed: pip install 'storyonce[datasette]' (or '.[datasette]')", file=sys.stderr)
            self.exitcode = EXIT_FAILED
            return
        assert self.settings is not None
        database = Path(self.settings.get("SQLITE_PATH"))
        missing = missing_database(database)
        if missing:
            print(missing[0].upper() + missing[1:], file=sys.stderr)
            self.exitcode = EXIT_FAILED
            return
        metadata = write_metadata(database.stem, Path(tempfile.mkdtemp()) / "metadata.json")
        command = [
            datasette,
            "serve",
            str(database),
            "-m",
            str(metadata),
            "--setting",
            "truncate_cells_html",
            str(TRUNCATE_CELLS),
            *args,
        ]
        os.execv(datasette, command)
