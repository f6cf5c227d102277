# Entry points: `make test` is the test command, `make lint` the one check command.
.PHONY: test lint venv demo

test:
	bash scripts/test.sh

lint: venv
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy provenance cli api

venv:
	bash -c 'source scripts/_venv.sh && ensure_venv test'

demo:
	bash scripts/demo.sh
