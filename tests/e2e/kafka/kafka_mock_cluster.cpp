/* A Kafka cluster for tests: librdkafka's mock cluster (rdkafka_mock.h) in a
 * process of its own, 3 brokers on 127.0.0.1 (random ports).
 *   kafka_mock_cluster BOOTSTRAP_FILE [TOPIC ...]
 * creates each TOPIC with 32 partitions, writes the bootstrap address to
 * BOOTSTRAP_FILE (atomically, by rename), then reads commands on stdin, one a line:
 *   create TOPIC PARTITIONS    a new topic
 *   down N / up N              broker N (1..3) stops / starts answering
 *   rtt N MS                   broker N answers MS milliseconds late
 * and answers each with "ok" or "error: ...". Exits on SIGTERM/SIGINT or at EOF
 * on stdin. Started and stopped by tests/e2e/servers/kafka_mock.py. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop = 0;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void command(rd_kafka_mock_cluster_t *mc, char *line) {
  char topic[256];
  int a = 0, b = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (sscanf(line, "create %255s %d", topic, &a) == 2) {
    err = rd_kafka_mock_topic_create(mc, topic, a, 3);
  } else if (sscanf(line, "down %d", &a) == 1) {
    err = rd_kafka_mock_broker_set_down(mc, a);
  } else if (sscanf(line, "up %d", &a) == 1) {
    err = rd_kafka_mock_broker_set_up(mc, a);
  } else if (sscanf(line, "rtt %d %d", &a, &b) == 2) {
    err = rd_kafka_mock_broker_set_rtt(mc, a, b);
  } else {
    printf("error: unknown command\n");
    fflush(stdout);
    return;
  }
  if (err) printf("error: %s\n", rd_kafka_err2str(err));
  else printf("ok\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s BOOTSTRAP_FILE [TOPIC ...]\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
  if (!mc) {
    fprintf(stderr, "cannot start the mock cluster\n");
    return 1;
  }
  for (int i = 2; i < argc; ++i) rd_kafka_mock_topic_create(mc, argv[i], 32, 3);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    perror(tmp);
    return 1;
  }
  fprintf(f, "%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fclose(f);
  if (rename(tmp, argv[1]) != 0) {
    perror(argv[1]);
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  char line[1024];
  size_t used = 0;
  while (!stop) {
    struct pollfd p = {0, POLLIN, 0};
    rd_kafka_poll(rk, 0);
    if (poll(&p, 1, 200) <= 0) continue;
    ssize_t n = read(0, line + used, sizeof line - 1 - used);
    if (n <= 0) break; /* EOF: the test is gone */
    used += (size_t)n;
    line[used] = 0;
    char *nl;
    while ((nl = strchr(line, '\n')) != NULL) {
      *nl = 0;
      command(mc, line);
      memmove(line, nl + 1, used - (size_t)(nl + 1 - line) + 1);
      used -= (size_t)(nl + 1 - line);
    }
    if (used == sizeof line - 1) used = 0; /* an overlong line: dropped */
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
