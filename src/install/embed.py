"""Writes a C++ file with the given files' bytes: kDefaultConfig, kDefaultRules and
kSystemdUnit, in that order (see src/install/BUILD)."""
import sys


def lit(path):
    return "".join("\\x%02x" % b for b in open(path, "rb").read())


print("namespace vigil::install {")
for name, path in zip(["kDefaultConfig", "kDefaultRules", "kSystemdUnit"], sys.argv[1:]):
    print('extern const char %s[] = "%s";' % (name, lit(path)))
print("}  // namespace vigil::install")
