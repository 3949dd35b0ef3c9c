# The one source of commands; CI (.ci/run) calls `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
MODEL := models/citizen-bot.tar.gz
# Training inputs: a change in any of them (and only them) retrains the model.
TRAIN_INPUTS := config.yml domain.yml $(shell find nlu_data bot/nlu bot/text.py -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: setup run test lint validate train eval bench browser-deps clean help

help:
	@echo "make run      set up, train if stale, run the assistant (REST :5005, console :8080)"
	@echo "make test     set up, lint, validate data, train if stale, run every test"
	@echo "make train | validate | lint | eval | bench | clean"

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	bash scripts/setup.sh
	@touch $@

setup: $(STAMP)

nlu_data/lookups/procedures.yml: bot/catalogue/overlay.yml bot/nlu/lookups.py | $(STAMP)
	$(PY) -m bot.nlu.lookups

$(MODEL): $(STAMP) $(TRAIN_INPUTS) nlu_data/lookups/procedures.yml
	$(RASA) train --data nlu_data --domain domain.yml --config config.yml \
		--out models --fixed-model-name citizen-bot
	@touch $@

train: $(MODEL)

run: $(MODEL)
	$(PY) -m bot.run

lint: $(STAMP)
	$(VENV)/bin/ruff check bot actions tests bench

validate: $(STAMP)
	$(RASA) data validate --data nlu_data --domain domain.yml --config config.yml


browser-deps:
	@bash scripts/browser-deps.sh

test: $(STAMP) lint validate $(MODEL) browser-deps
	$(PY) -m pytest -q -ra

eval: $(MODEL)
	$(PY) -m bot.catalogue.evaluate tests/data/search_eval.yml --tone-slips
	$(PY) -m bot.nlu.evaluate --model $(MODEL) --test tests/data/nlu_test.yml
	$(PY) -m bench.answer_eval --model $(MODEL) tests/data/search_eval.yml

bench: $(MODEL)
	$(PY) bench/search_bench.py
	$(PY) -m bench.console_bench
	$(PY) -m bench.run_bench

clean:
	rm -rf models .rasa results test-output .pytest_cache
