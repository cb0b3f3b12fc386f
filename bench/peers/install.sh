#!/usr/bin/env bash
# Installs the peers the benchmarks run side by side with l1stream (never needed by the product
# or its tests):
#   scikit-learn, River, Vowpal Wabbit   from PyPI (pip, into the current Python)
#   glmnet + jsonlite for R              from Debian's packages (r-cran-glmnet, r-cran-jsonlite)
# Each benchmark reports a missing peer as "missing" instead of failing.
set -euo pipefail
python="${PYTHON:-python3}"
echo "== PyPI: scikit-learn, river, vowpalwabbit (into $($python -c 'import sys; print(sys.prefix)'))"
"$python" -m pip install --quiet --disable-pip-version-check scikit-learn river vowpalwabbit
if command -v Rscript >/dev/null && Rscript -e 'library(glmnet); library(jsonlite)' >/dev/null 2>&1; then
  echo "== R glmnet already installed"
elif command -v apt-get >/dev/null; then
  echo "== Debian: r-cran-glmnet, r-cran-jsonlite"
  sudo_cmd=""
  if [[ "$(id -u)" != 0 ]]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends r-cran-glmnet r-cran-jsonlite >/dev/null
else
  echo "== no apt-get: install R with the glmnet and jsonlite packages yourself for the glmnet peer" >&2
fi
"$python" -c 'import sklearn, river, vowpalwabbit; print("python peers:", "scikit-learn", sklearn.__version__, "| river", river.__version__)'
Rscript -e 'cat("R peer: glmnet", as.character(packageVersion("glmnet")), "\n")' || true
