"""`make bench` — see bench/README.md. Prints tables and writes bench/results/*.json."""

from bench.run import main

main()
