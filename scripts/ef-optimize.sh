#!/usr/bin/env bash
# Regenerates the EF Core compiled models the hub runs on (src/Greyhub.Data.{Sqlite,Postgres}/CompiledModel) with
# `dotnet ef dbcontext optimize`, from the model OnModelCreating builds (the providers' design-time factories never use
# the compiled one). Run it after any model change or new migration, and commit the result: CompiledModelTests
# (tests/Greyhub.Hub.Tests) fails while a compiled model is stale.
#
#   scripts/ef-optimize.sh [sqlite|postgres]...     (default: both)
#
# Needs the repository's dotnet-ef (dotnet-tools.json; `dotnet tool restore`). No database is contacted.
# If a model change leaves the old compiled model unable to compile (an entity removed), delete that CompiledModel/
# folder's files first: nothing else refers to them but the providers' Apply, which then fails to build until this runs,
# so comment its UseModel line out for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
providers=("$@")
[ ${#providers[@]} -gt 0 ] || providers=(sqlite postgres)
for p in "${providers[@]}"; do
  case "$p" in
    sqlite) project=Greyhub.Data.Sqlite ;;
    postgres) project=Greyhub.Data.Postgres ;;
    *) echo "ef-optimize: unknown provider '$p' (sqlite, postgres)" >&2; exit 2 ;;
  esac
  dotnet ef dbcontext optimize --project "src/$project" --startup-project "src/$project" --context HubDbContext \
    --output-dir CompiledModel --namespace "$project.CompiledModel"
done
