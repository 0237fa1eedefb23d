"""container_test: an integration test script run as root against real containers."""

def container_test(name, args = [], data = []):
    """A sh_test of NAME.sh given vigil's binary and the probe, then ARGS.

    Unsandboxed ("local": runc cannot mount devpts inside Bazel's linux-sandbox) and one at
    a time ("exclusive": containers, daemons and timing-sensitive figures).
    """
    native.sh_test(
        name = name,
        size = "large",
        srcs = [name + ".sh"],
        args = ["$(location //:vigil)", "$(location :probe)"] + args,
        data = ["lib.sh", ":probe", "//:vigil", "//:vigil-runc"] + data,
        tags = ["exclusive", "local"],
    )
