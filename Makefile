# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# PP-OCRv4 with its ONNX models in the wheel. --no-deps: it names opencv-python, whose cv2 would
# overwrite opencv-python-headless's (and need libGL); pyproject.toml lists what it really imports.
RAPIDOCR := rapidocr-onnxruntime==1.4.4
# Every install takes the versions pinned in constraints.txt (the ones the suite last passed with);
# `make lock` re-resolves them on purpose (README, "Pinned versions").
LOCK := constraints.txt
UV := uv==0.13.8
RUN_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng tesseract-ocr-osd fonts-noto-cjk
# the fonts-* are the test generator's other faces (tests/docgen): 楷体 fills, another 宋体 and 黑体
TEST_PACKAGES := $(RUN_PACKAGES) chromium postgresql postgresql-contrib redis-server nginx-light openssl \
  fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei
# OCRmyPDF needs ghostscript; unpaper and pngquant are optional helpers of it
BENCH_PACKAGES := $(TEST_PACKAGES) ghostscript unpaper pngquant

.PHONY: run test check bench system-run system-test system-bench clean

run: system-run $(VENV)/.installed
	$(PY) -m desk run

test: system-test $(VENV)/.installed-test check
	$(PY) -m pytest

# the code's own rules, before any test: lint, format, types, import contracts (pyproject.toml)
check: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: system-bench $(VENV)/.installed-bench
	$(PY) -m desk bench capture

system-run:
	@scripts/ensure-system-packages.sh $(RUN_PACKAGES)

system-test:
	@scripts/ensure-system-packages.sh $(TEST_PACKAGES)

system-bench:
	@scripts/ensure-system-packages.sh $(BENCH_PACKAGES)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PY) -m pip install -q -c $(LOCK) -e .
	$(PY) -m pip install -q --no-deps $(RAPIDOCR)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PY) -m pip install -q -c $(LOCK) -e '.[test]'
	$(PY) -m pip install -q --no-deps $(RAPIDOCR)
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PY) -m pip install -q -c $(LOCK) -e '.[test,bench]'
	$(PY) -m pip install -q --no-deps $(RAPIDOCR)
	touch $(VENV)/.installed $(VENV)/.installed-test $@

# Pins every dependency of every extra, for CI's Python 3.11 on Debian 12 (x86_64): new dependencies of
# pyproject.toml get their newest allowed release, the others keep their pin; UPGRADE=1 moves them all.
.PHONY: lock
lock: | $(VENV)/bin/python
	$(PY) -m pip install -q $(UV)
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_36 --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) -q -o $(LOCK)

clean:
	rm -rf $(VENV) .nicegui screenshots
