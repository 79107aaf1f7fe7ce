"""`alliance keys add|retire|list`: rotate the app's private_key_jwt signing keys in a folder
(smart_launch.keystore). The new key is published at once and signs after --publish-ahead
(longer than the EHRs cache the app's JWKS), or at once when no key in the folder signs (the
first key); a retired key stays published for the grace."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from smart_launch import SmartLaunchError
from smart_launch.keystore import KeyStore


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="add, retire and list the app's signing keys")
    keys.add_argument("--dir", type=Path, required=True, help="the key folder")
    actions = keys.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a key: published now, signing later")
    add.add_argument("--alg", choices=["RS384", "ES384"], default="RS384")
    add.add_argument("--publish-ahead", type=float, default=3600.0, metavar="SECONDS",
                     help="publish this long before signing (default 3600: longer than EHRs "
                     "usually cache a JWKS); the first key of a folder signs at once")
    retire = actions.add_parser("retire", help="stop signing with a key; published for the grace")
    retire.add_argument("kid", help="the key id as `keys list` shows it (an id that begins with "
                        "'-', as one in 64 thumbprints do, goes after '--': retire -- -Ab3...)")
    actions.add_parser("list", help="list keys and their state")
    keys.set_defaults(run=run)


def _when(moment: float | None) -> str:
    if moment is None:
        return "-"
    return datetime.datetime.fromtimestamp(moment, datetime.UTC).isoformat(timespec="seconds")


def run(args: argparse.Namespace, store: KeyStore | None = None) -> int:
    store = store or KeyStore(args.dir)
    try:
        if args.action == "add":
            entry = store.add(args.alg, args.publish_ahead)
            if entry.active_from <= entry.created:
                print(f"added {entry.kid} ({entry.alg}); published and signing now (no other "
                      "key in the folder signs)")
            else:
                print(f"added {entry.kid} ({entry.alg}); published now, signing from "
                      f"{_when(entry.active_from)}")
        elif args.action == "retire":
            entry = store.retire(args.kid)
            print(f"retired {entry.kid}; published until the grace period ends")
        else:
            now = datetime.datetime.now(datetime.UTC).timestamp()
            for row in store.describe(now):
                print(f"{row['kid']}  {row['alg']}  {row['state']:<20}  active from "
                      f"{_when(row['active_from'])}  retired {_when(row['retired'])}")
    except SmartLaunchError as err:
        print(f"alliance keys: {err.message}", file=sys.stderr)
        return 2
    return 0
