"""`make bench` — see bench/README.md. Prints tables and writes bench/results/*.json."""

from bench.run import main

if __name__ == "__main__":  # encoding workers re-import the main module
    main()
