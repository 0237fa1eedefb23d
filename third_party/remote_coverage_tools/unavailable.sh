#!/bin/sh
echo "coverage tools are not available in vigil's offline build" >&2
exit 1
