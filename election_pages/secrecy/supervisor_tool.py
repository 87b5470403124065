"""The supervisor's own tool (issue 12): run on the supervisor's computer, never on the server.

Needs only Python 3.11+, PyNaCl and shamir-mnemonic (`pip install pynacl shamir-mnemonic`),
and this file with `crypto.py` beside it; no Django. Run from a checkout as

    python election_pages/secrecy/supervisor_tool.py COMMAND ...

Commands:

- ``keygen --out FILE``: make a personal key pair. The private key (base64) is written to
  FILE, readable by you alone (mode 0600); an existing FILE is never overwritten. Prints the
  public key and its fingerprint: paste the public key into the portal's supervisor page,
  and compare the fingerprint the portal shows with this one.
- ``public --key FILE``: print the public key and fingerprint of an existing private key.
- ``open-share --key FILE [--share B64 | --share-file PATH]``: open the sealed share the
  portal gave you (base64; read from standard input when neither option is given) and print
  your share phrase (SLIP-39 words) on the screen. The phrase is never written to a file.
  A share not sealed to this key is refused with exit code 2.

Keep the private key file (and a backup) offline; whoever has it and the sealed share has
your share phrase.
"""

import argparse
import os
import stat
import sys

try:
    from election_pages.secrecy import crypto
except ImportError:  # run as a script: crypto.py is beside this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import crypto  # type: ignore[no-redef]

import nacl.exceptions

EXIT_REFUSED = 2


class ToolError(Exception):
    """A message for the supervisor, and the exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _private_key_read(path: str) -> bytes:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except OSError as exc:
        raise ToolError(f"cannot read the key file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ToolError(f"{path} is not a key file made by 'keygen'") from None
    try:
        private = crypto.unb64(text)
    except ValueError:
        raise ToolError(f"{path} is not a key file made by 'keygen'") from None
    if len(private) != crypto.KEY_BYTES:
        raise ToolError(f"{path} is not a key file made by 'keygen'")
    if os.name == "posix" and os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"warning: {path} can be read by other users; run: chmod 600 {path}", file=sys.stderr)
    return private


def _public_print(public: bytes) -> None:
    print(f"public key:  {crypto.b64(public)}")
    print(f"fingerprint: {crypto.fingerprint(public)}")


def keygen(args) -> None:
    private, public = crypto.keypair_new()
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ToolError(f"{args.out} already exists; not overwriting it (choose another --out)") from None
    except OSError as exc:
        raise ToolError(f"cannot create {args.out}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        if hasattr(os, "fchmod"):
            os.fchmod(handle.fileno(), 0o600)
        handle.write(crypto.b64(private) + "\n")
    print(f"private key written to {args.out} (keep it secret, keep a backup offline)")
    _public_print(public)
    print("Paste the public key into the portal's supervisor page, and check the fingerprint it shows.")


def public(args) -> None:
    _public_print(crypto.public_key_of(_private_key_read(args.key)))


def open_share(args) -> None:
    private = _private_key_read(args.key)
    if args.share is not None:
        text = args.share
    elif args.share_file is not None:
        try:
            with open(args.share_file, encoding="ascii") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ToolError(f"cannot read {args.share_file}: {exc}") from None
    else:
        if sys.stdin.isatty():
            print("Paste the sealed share (base64), then press Enter and Ctrl-D:", file=sys.stderr)
        text = sys.stdin.read()
    try:
        sealed = crypto.unb64(text)
    except ValueError:
        raise ToolError("the sealed share is not base64; copy it again from the portal", EXIT_REFUSED) from None
    try:
        phrase = crypto.share_open(sealed, supervisor_private=private)
    except (nacl.exceptions.CryptoError, UnicodeDecodeError):
        raise ToolError(
            "this share was not sealed to this key (wrong key file, or a share meant for another supervisor)",
            EXIT_REFUSED,
        ) from None
    print(phrase)


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Supervisor's tool: personal key pair and share phrases (ballot secrecy, issue 12)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("keygen", help="make a personal key pair; print the public key to paste into the portal")
    p.add_argument("--out", required=True, help="file for the private key (created with mode 0600; never overwritten)")
    p.set_defaults(run=keygen)
    p = commands.add_parser("public", help="print the public key and fingerprint of a private key file")
    p.add_argument("--key", required=True, help="the private key file made by keygen")
    p.set_defaults(run=public)
    p = commands.add_parser("open-share", help="print the share phrase from a sealed share (base64)")
    p.add_argument("--key", required=True, help="the private key file made by keygen")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--share", help="the sealed share, base64 (default: read from standard input)")
    source.add_argument("--share-file", help="a file holding the sealed share, base64")
    p.set_defaults(run=open_share)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser_build().parse_args(argv)
    try:
        args.run(args)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
