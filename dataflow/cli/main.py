"""``dataflow``: validate, run, draw and list dataflows and their components."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dataflow.runtime.trace import LOG_LEVELS


def _variables_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fill the template variable {{NAME}} (repeatable)",
    )
    parser.add_argument("--config", metavar="FILE", help="YAML or JSON file of template variables")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dataflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check dataflow files; exit 1 when any has a problem")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="flow files or directories of them")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    _variables_options(validate)

    run = commands.add_parser(
        "run", help="run a dataflow once (exit 0 succeeded, 1 failed, 2 invalid, 3 refused: already running)"
    )
    run.add_argument("flow", metavar="FLOW", help="a flow file, or the name or id of a stored flow")
    run.add_argument("--draft", action="store_true", help="run the stored draft instead of the published flow")
    run.add_argument(
        "--sandbox",
        action="store_true",
        help="start the Gigya and Silverpop sandboxes, and the stand-in of each partner and file store the flow uses, "
        "with demo data, and run against them (implies --full-extract)",
    )
    _variables_options(run)
    run.add_argument("--limit", type=int, metavar="N", help="stop reading after N records (a test run)")
    run.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    run.add_argument("--full-extract", action="store_true", help="ignore the delta watermark and read everything")
    run.add_argument("--batch-size", type=int, default=1000, metavar="N", help="records per batch (default 1000)")
    run.add_argument("--json", action="store_true", help="print the job status object as JSON on stdout")
    from dataflow.cli.context import add_executor_options

    add_executor_options(run, "--scheduler")
    run.add_argument(
        "--site",
        metavar="FILE",
        help="YAML/JSON file with the Gigya site connection (apiKey, userKey, secret, dataCenter, baseUrl); "
        "overrides the GIGYA_* environment variables",
    )

    graph = commands.add_parser("graph", help="draw a dataflow's graph")
    graph.add_argument("flow", metavar="FLOW")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    _variables_options(graph)

    sandbox = commands.add_parser("sandbox", help="run a local stand-in for an external service (foreground)")
    partners = ("mailchimp", "marketo", "campaignmonitor", "constantcontact", "salesforce", "sfmc", "bluekai")
    stores = ("s3", "azure", "ftp", "ftps")
    sandbox.add_argument(
        "service",
        choices=("gigya", "silverpop", "all", *partners, *stores),
        help="all: Gigya and Silverpop, on free ports; a partner's name: its API stand-in; "
        "s3, azure, ftp, ftps: a file store's stand-in",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback by default)")
    sandbox.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    sandbox.add_argument("--sftp-port", type=int, default=0, help="SFTP port (silverpop); 0 picks a free one")
    sandbox.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    sandbox.add_argument("--accounts", type=int, default=1000, help="how many accounts to generate")
    sandbox.add_argument("--fault-rate", type=float, default=0.0, help="share of calls answered with a transient error")
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every call")
    sandbox.add_argument(
        "--config",
        metavar="FILE",
        help="silverpop: start with the databases, tables and client id of this customer configuration "
        "(default: flows/silverpop/customer.example.yaml, the layout the sample flows expect)",
    )

    steps = commands.add_parser("steps", help="list the registered components and their params")
    steps.add_argument("type", nargs="?", metavar="TYPE", help="show one component in full")
    steps.add_argument("--json", action="store_true")
    from dataflow.cli import (
        docs_command,
        flows_command,
        init_command,
        jobs_command,
        schedule_command,
        serve_command,
        site_command,
        test_command,
    )

    test_command.add_parser(commands)
    docs_command.add_parsers(commands)
    init_command.add_parser(commands)
    flows_command.add_parser(commands)
    jobs_command.add_parser(commands)
    schedule_command.add_parser(commands)
    serve_command.add_parser(commands)
    site_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from dataflow.cli import (
        commands,
        docs_command,
        flows_command,
        init_command,
        jobs_command,
        run_command,
        schedule_command,
        serve_command,
        site_command,
        test_command,
    )

    handlers = {
        "init": init_command.run,
        "flows": flows_command.run,
        "jobs": jobs_command.run,
        "schedule": schedule_command.run,
        "scheduler": schedule_command.scheduler,
        "validate": commands.validate,
        "run": run_command.run,
        "graph": commands.graph,
        "steps": commands.steps,
        "sandbox": _sandbox,
        "test": test_command.run,
        "docs": docs_command.docs,
        "schema": docs_command.schema,
        "serve": serve_command.run,
        "site": site_command.run,
    }
    try:
        return handlers[args.command](args)
    except commands.UsageError as problem:
        print(f"dataflow {args.command}: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `dataflow schema | head`: the reader left; not an error of ours
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _sandbox(args: argparse.Namespace) -> int:
    """Only the CLI starts a sandbox; the engine itself never imports one."""
    from sandbox.cli import serve

    if args.service in ("silverpop", "all"):
        from dataflow.cli.sandbox_run import example_path, sandbox_layout
        from dataflow.cli.silverpop import load

        vars(args).update(sandbox_layout(load(Path(args.config) if args.config else example_path())))
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
