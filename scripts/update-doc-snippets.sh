#!/usr/bin/env bash
# Rewrites the code samples in README.md and docs/*.md from the regions they are copied from
# ('// begin-snippet: name' … '// end-snippet' in compiled .cs files, or whole configuration files),
# then checks every page's snippets and links. Run it after changing a sample's source.
set -euo pipefail
cd "$(dirname "$0")/.."
UPDATE_DOC_SNIPPETS=1 dotnet test tests/Afirgen.TaskProcessor.Docs.Tests -nologo --filter "FullyQualifiedName~Snippets"
dotnet test tests/Afirgen.TaskProcessor.Docs.Tests --no-build -nologo
