# End-to-end tests: the eddy binary on real pipeline files (label e2e).
find_package(Python3 COMPONENTS Interpreter REQUIRED)
set(E2E ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME e2e_configs COMMAND ${Python3_EXECUTABLE} ${E2E}/run_e2e.py configs $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR})
add_test(NAME e2e_cases COMMAND ${Python3_EXECUTABLE} ${E2E}/run_e2e.py cases $<TARGET_FILE:eddy> ${E2E}/cases)
add_test(NAME e2e_errors COMMAND ${Python3_EXECUTABLE} ${E2E}/run_e2e.py errors $<TARGET_FILE:eddy> ${E2E}/errors)
add_test(NAME e2e_backpressure COMMAND ${Python3_EXECUTABLE} ${E2E}/backpressure.py $<TARGET_FILE:eddy>)
add_test(NAME e2e_cli COMMAND ${Python3_EXECUTABLE} ${E2E}/cli_test.py $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_configs e2e_cases e2e_errors e2e_backpressure e2e_cli PROPERTIES LABELS e2e TIMEOUT 900)
# The SQL shell through tmux, as a person types into it (tests/e2e/sql_shell_test.py).
add_test(NAME e2e_sql_shell COMMAND ${Python3_EXECUTABLE} ${E2E}/sql_shell_test.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_sql_shell PROPERTIES LABELS e2e TIMEOUT 300)
# Windows against an independent Python reference (tests/e2e/windows), and the reference's own checks.
add_test(NAME e2e_windows COMMAND ${Python3_EXECUTABLE} ${E2E}/windows/run_windows.py $<TARGET_FILE:eddy> ${E2E}/windows)
add_test(NAME e2e_windows_reference COMMAND ${Python3_EXECUTABLE} ${E2E}/windows/reference_selftest.py)
set_tests_properties(e2e_windows e2e_windows_reference PROPERTIES LABELS e2e TIMEOUT 900)
# Failures and restarts: the default restart strategy with checkpoints, and
# failures no restart cures failing the job at once (tests/e2e/failures.py).
add_test(NAME e2e_failures COMMAND ${Python3_EXECUTABLE} ${E2E}/failures.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_failures PROPERTIES LABELS e2e TIMEOUT 300)
# Late records with several splits per source (directories, split_size) at parallelism 2 and 3:
# the same on every run, and as a model of the rule predicts.
add_test(NAME e2e_lateness_splits COMMAND ${Python3_EXECUTABLE} ${E2E}/lateness_splits.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_lateness_splits PROPERTIES LABELS e2e TIMEOUT 600)
# Exactly-once under SIGKILL, injected failures, rescaling and corrupt checkpoints,
# both state backends (tests/e2e/exactly_once). The chaos label runs it longer:
# ctest -L chaos (not part of scripts/test.sh).
add_test(NAME e2e_exactly_once COMMAND ${Python3_EXECUTABLE} ${E2E}/exactly_once/run_exactly_once.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_exactly_once PROPERTIES LABELS e2e TIMEOUT 900)
# Savepoints restored into changed pipelines: refused naming what changed, -n
# skips dropped operators, old metadata restores unchecked (tests/e2e/savepoints).
add_test(NAME e2e_savepoint_changes COMMAND ${Python3_EXECUTABLE} ${E2E}/savepoints/run_savepoint_changes.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_savepoint_changes PROPERTIES LABELS e2e TIMEOUT 600)
# Stop with a savepoint at any moment of a short job, its end included: each
# stop ends in time, with a savepoint that restores or, too late, exit 0 (tests/e2e/savepoints).
add_test(NAME e2e_stop_as_input_ends COMMAND ${Python3_EXECUTABLE} ${E2E}/savepoints/stop_as_input_ends.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_stop_as_input_ends PROPERTIES LABELS e2e TIMEOUT 300)
# The jdbc sink against a private PostgreSQL server (tests/e2e/jdbc): appends,
# upserts and deletes, bad input, and exactly-once by two-phase commit through
# SIGKILL and --resume.
add_test(NAME e2e_jdbc COMMAND ${Python3_EXECUTABLE} ${E2E}/jdbc/run_jdbc.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_jdbc PROPERTIES LABELS e2e TIMEOUT 600)
# The redis sink against a private Redis server (tests/e2e/redis): hashes upserted
# and deleted, stream entries from SQL, bad input, and exactly-once through SIGKILL
# and --resume.
add_test(NAME e2e_redis COMMAND ${Python3_EXECUTABLE} ${E2E}/redis/run_redis.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_redis PROPERTIES LABELS e2e TIMEOUT 300)
# Lookup joins against a private PostgreSQL and Redis (tests/e2e/lookup): jdbc
# and redis tables, inner and left, YAML and SQL, ordered and unordered output,
# the PARTIAL cache and its expiry, each timeout policy, and bad servers.
add_test(NAME e2e_lookup COMMAND ${Python3_EXECUTABLE} ${E2E}/lookup/run_lookup.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_lookup PROPERTIES LABELS e2e TIMEOUT 300)
add_test(NAME chaos_exactly_once COMMAND ${Python3_EXECUTABLE} ${E2E}/exactly_once/run_exactly_once.py $<TARGET_FILE:eddy>
         --modes kill,inject --kills 25 --rows 1500000)
set_tests_properties(chaos_exactly_once PROPERTIES LABELS chaos TIMEOUT 3600)
# Cluster mode: job manager and task manager processes, REST API, task manager
# SIGKILL and failover, cluster secret, mutual TLS with a capture, network namespaces,
# and a hostile peer at the rpc gate (test_peer).
add_test(NAME e2e_cluster COMMAND ${Python3_EXECUTABLE} ${E2E}/cluster/run_cluster.py $<TARGET_FILE:eddy>
         --peer $<TARGET_FILE:eddy_test_peer>)
set_tests_properties(e2e_cluster PROPERTIES LABELS e2e TIMEOUT 900)
# The REST API: slow clients and oversized bodies bounded, JSON errors, the
# README's curl commands, the bearer token and https (tests/e2e/cluster/rest_test.py).
add_test(NAME e2e_rest COMMAND ${Python3_EXECUTABLE} ${E2E}/cluster/rest_test.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_rest PROPERTIES LABELS e2e TIMEOUT 300)
# Every Nexmark pipeline file (configs/nexmark) against an independent Python
# reference, at -p 1, 2 and 4, through a failure and through a savepoint
# restored at another parallelism (tests/e2e/nexmark).
add_test(NAME e2e_nexmark COMMAND ${Python3_EXECUTABLE} ${E2E}/nexmark/run_nexmark.py $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR})
add_test(NAME e2e_nexmark_reference COMMAND ${Python3_EXECUTABLE} ${E2E}/nexmark/reference_selftest.py)
# The same queries as Flink SQL scripts (configs/nexmark-sql, docs/sql.md), against the same reference.
add_test(NAME e2e_nexmark_sql COMMAND ${Python3_EXECUTABLE} ${E2E}/nexmark/run_nexmark.py $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR} --sql)
set_tests_properties(e2e_nexmark e2e_nexmark_reference e2e_nexmark_sql PROPERTIES LABELS e2e TIMEOUT 600)
# Golden plans of SQL scripts (tests/golden/sql): the Nexmark scripts, configs/sql,
# legacy group windows and the dialect, each as `eddy validate` prints it.
add_test(NAME e2e_sql_golden COMMAND ${Python3_EXECUTABLE} ${E2E}/sql_golden.py $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_sql_golden PROPERTIES LABELS e2e TIMEOUT 300)
add_test(NAME e2e_bench_nexmark COMMAND ${Python3_EXECUTABLE} ${E2E}/nexmark/bench_nexmark_test.py $<TARGET_FILE:eddy> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_bench_nexmark PROPERTIES LABELS e2e TIMEOUT 300)
# The kafka connector against librdkafka's mock cluster (tests/e2e/kafka): formats,
# startup modes, malformed records, discovery, exactly-once through SIGKILL and
# --resume (source, and Kafka -> Kafka), bad input named.
add_test(NAME e2e_kafka COMMAND ${Python3_EXECUTABLE} ${E2E}/kafka/run_kafka.py $<TARGET_FILE:eddy>
         $<TARGET_FILE:kafka_mock_cluster>)
set_tests_properties(e2e_kafka PROPERTIES LABELS e2e TIMEOUT 400)
# Monitoring (docs/monitoring.md): every REST endpoint of `eddy local --web-ui`,
# Prometheus text, sampled rows against the file sink, stacks, `eddy sample` and
# `eddy stacks`, and stacks and metrics across a cluster's processes (tests/e2e/monitoring).
add_test(NAME e2e_monitoring_rest COMMAND ${Python3_EXECUTABLE} ${E2E}/monitoring/run_monitoring.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_monitoring_rest PROPERTIES LABELS e2e TIMEOUT 300)
# The monitor: a webhook receives a skew event and its resolution, and a slow
# sink is named the bottleneck with its sources backpressured (tests/e2e/monitor_test.py).
add_test(NAME e2e_monitor COMMAND ${Python3_EXECUTABLE} ${E2E}/monitor_test.py $<TARGET_FILE:eddy>)
set_tests_properties(e2e_monitor PROPERTIES LABELS e2e TIMEOUT 300)
# The web UI in headless Chromium (tests/e2e/ui): against `eddy local --web-ui` on a
# pipeline with a slow operator and checkpoints every second (the graph's
# bottleneck badge, sampled rows, completed checkpoints, no console errors), and
# against a fixture of 50 vertices at parallelism 16. Screenshots in build/ui-shots.
add_test(NAME e2e_ui COMMAND ${Python3_EXECUTABLE} ${E2E}/ui/run_ui.py $<TARGET_FILE:eddy> ${CMAKE_BINARY_DIR}/ui-shots)
add_test(NAME e2e_ui_fixture COMMAND ${Python3_EXECUTABLE} ${E2E}/ui/run_ui.py --fixture ${CMAKE_BINARY_DIR}/ui-shots)
# One at a time: the first may run `npm ci`, which empties node_modules.
set_tests_properties(e2e_ui e2e_ui_fixture PROPERTIES LABELS e2e TIMEOUT 400 RESOURCE_LOCK eddy_ui_node_modules)
