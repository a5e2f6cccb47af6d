/*
 * A C program against include/xk6_lambda.h and the static library, as a
 * C caller other than the Go shim would use them: a client, a completion
 * queue, an invocation to an endpoint that is refused, its flat result,
 * a refused request with its error string, a queue read in place through
 * its ring (and a cancel of a completed call, a no-op), then every handle
 * freed and lambda_live_counts at zero.
 *
 * Built and run by tests/c/smoke.sh; exits non-zero on the first failure.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include "xk6_lambda.h"

static int failures = 0;

#define CHECK(cond, ...)                                \
  do {                                                  \
    if (!(cond)) {                                      \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                     \
      fputc('\n', stderr);                              \
      failures++;                                       \
    }                                                   \
  } while (0)

static LambdaInvokeRequest request(const char *name, const char *log_type) {
  LambdaInvokeRequest r;
  memset(&r, 0, sizeof r);
  r.function_name = (const uint8_t *)name;
  r.function_name_len = strlen(name);
  r.payload = (const uint8_t *)"{}";
  r.payload_len = 2;
  r.log_type = (const uint8_t *)log_type;
  r.log_type_len = strlen(log_type);
  return r;
}

/* Waits up to 20 s for the wake descriptor, then resets it (reads its
 * counter); false, the failure counted, if nothing came. */
static int await_wake(int fd, size_t got, size_t want) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int ready = poll(&p, 1, 20000);
  CHECK(ready == 1, "no completion within 20 s (%zu of %zu)", got, want);
  if (ready != 1) return 0;
  uint64_t counter;
  CHECK(read(fd, &counter, sizeof counter) == (ssize_t)sizeof counter, "reading the wake counter");
  return 1;
}

/* Waits for `want` completions of `queue` as an event loop would (poll on
 * the wake descriptor, reset it, take until empty), checks each, frees
 * them. */
static void drain(LambdaCompletionQueue *queue, size_t want, const char *expected_name) {
  LambdaCompletion batch[4];
  size_t got = 0, held = 0;
  int fd = lambda_completion_queue_wake_fd(queue);
  CHECK(fd >= 0, "lambda_completion_queue_wake_fd");
  if (fd < 0) return;
  while (got < want) {
    /* Frees the `held` completions the previous take returned (checked). */
    size_t n = lambda_completion_queue_take(queue, batch, 4, held);
    held = n;
    if (n == 0) {
      if (!await_wake(fd, got, want)) break;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      LambdaResult *r = &batch[i].result;
      CHECK(batch[i].data != NULL, "a completion without its data");
      CHECK(r->error_json.ptr != NULL, "user_data %zu: expected an error", batch[i].user_data);
      if (r->error_json.ptr != NULL) {
        CHECK(memmem(r->error_json.ptr, r->error_json.len, expected_name, strlen(expected_name)) != NULL,
              "user_data %zu: %.*s does not name %s", batch[i].user_data, (int)r->error_json.len,
              (const char *)r->error_json.ptr, expected_name);
      }
      CHECK(r->payload.ptr == NULL && r->status_code == 0, "an error with a payload or a status");
    }
    got += n;
  }
  lambda_completions_free(batch, held);
  close(fd);
}

/* Reads `want` completions of `queue` in place, as Go's drain does: the
 * ring's protocol (LambdaCompletionRing in the header), with GCC's atomic
 * builtins on the shared header. No take, nothing to free: the library
 * reclaims what the consumer moved head past. */
static void drain_ring(LambdaCompletionQueue *queue, size_t want, const char *expected_name) {
  LambdaCompletionRing *ring = lambda_completion_queue_ring(queue);
  CHECK(ring != NULL && ring->capacity > 0, "lambda_completion_queue_ring");
  int fd = lambda_completion_queue_wake_fd(queue);
  CHECK(fd >= 0, "lambda_completion_queue_wake_fd");
  if (ring == NULL || fd < 0) return;
  uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_SEQ_CST);
  size_t got = 0;
  while (got < want) {
    /* 1: the published slots, each copied out before head moves past it. */
    uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_SEQ_CST);
    for (; head != tail; head++, got++) {
      const LambdaCompletion *c = &ring->slots[head % ring->capacity];
      const LambdaText *e = &c->result.error_json;
      CHECK(e->ptr != NULL && memmem(e->ptr, e->len, expected_name, strlen(expected_name)) != NULL,
            "ring: user_data %zu is no %s", c->user_data, expected_name);
      __atomic_store_n(&ring->head, head + 1, __ATOMIC_SEQ_CST);
    }
    /* 2: completions that found the ring full. */
    if (__atomic_load_n(&ring->overflow, __ATOMIC_SEQ_CST) != 0) {
      lambda_completion_queue_refill(queue);
      continue;
    }
    /* 3: clear the flag, look once more. */
    __atomic_store_n(&ring->signalled, 0, __ATOMIC_SEQ_CST);
    if (got >= want || __atomic_load_n(&ring->tail, __ATOMIC_SEQ_CST) != head) continue;
    /* 4: wait for the wake descriptor, reset it. */
    if (!await_wake(fd, got, want)) break;
  }
  /* Frees what was read (a leak check would count it otherwise). */
  lambda_completion_queue_refill(queue);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s http://127.0.0.1:PORT (where nothing listens)\n", argv[0]);
    return 2;
  }
  char config[512];
  snprintf(config, sizeof config,
           "{\"region\":\"us-east-1\",\"endpoint\":\"%s\",\"accessKeyId\":\"AKIAIOSFODNN7EXAMPLE\","
           "\"secretAccessKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
           argv[1]);

  LambdaClient *client = NULL;
  char *error = NULL;
  LambdaStatus status = lambda_client_new((const uint8_t *)config, strlen(config), &client, &error);
  CHECK(status == LAMBDA_STATUS_OK && client != NULL, "lambda_client_new: %d %s", status, error ? error : "");

  /* A configuration refused, with its reason. */
  const char *bad = "{\"region\":\"us-east-1\",\"accessKeyId\":\"AKIA\",\"secretAccessKey\":\"x\"}";
  LambdaClient *none = NULL;
  char *reason = NULL;
  status = lambda_client_new((const uint8_t *)bad, strlen(bad), &none, &reason);
  CHECK(status == LAMBDA_STATUS_INVALID_CONFIG && none == NULL && reason != NULL, "a short key was accepted");
  CHECK(reason && strstr(reason, "InvalidAWSConfigError"), "reason: %s", reason ? reason : "(none)");
  lambda_string_free(reason);

  LambdaCompletionQueue *queue = lambda_completion_queue_new();
  CHECK(queue != NULL, "lambda_completion_queue_new");

  /* Two invocations to a port where nothing listens: TCPError each. */
  LambdaInvokeRequest ok = request("add-numbers", "");
  LambdaInvocation *invocations[3] = {0};
  for (size_t i = 0; i < 2; i++) {
    status = lambda_client_invoke_queued(client, &ok, queue, i + 1, &invocations[i], NULL);
    CHECK(status == LAMBDA_STATUS_OK, "lambda_client_invoke_queued: %d", status);
  }
  drain(queue, 2, "TCPError");

  /* Refused before sending: nothing queued, an error string instead. */
  LambdaInvokeRequest wrong = request("add-numbers", "Full");
  LambdaInvocation *refused = NULL;
  char *why = NULL;
  status = lambda_client_invoke_queued(client, &wrong, queue, 9, &refused, &why);
  CHECK(status == LAMBDA_STATUS_INVALID_REQUEST && refused == NULL, "LogType Full: status %d", status);
  CHECK(why && strstr(why, "InvalidInvocationError"), "why: %s", why ? why : "(none)");
  lambda_string_free(why);

  /* NULL arguments are refused, not dereferenced. */
  CHECK(lambda_client_invoke_queued(NULL, &ok, queue, 1, &refused, NULL) == LAMBDA_STATUS_NULL_ARGUMENT,
        "a NULL client");

  /* A queue read through its ring, its calls started without a handle
   * (cancelled, if need be, through the queue by user data). */
  LambdaCompletionQueue *ringed = lambda_completion_queue_new();
  CHECK(ringed != NULL, "lambda_completion_queue_new");
  for (size_t i = 0; i < 3; i++) {
    status = lambda_client_invoke_queued(client, &ok, ringed, 100 + i, NULL, NULL);
    CHECK(status == LAMBDA_STATUS_OK, "lambda_client_invoke_queued without a handle: %d", status);
  }
  drain_ring(ringed, 3, "TCPError");
  lambda_completion_queue_cancel(ringed, 100); /* completed: a no-op */
  LambdaCompletion none_left[1];
  CHECK(lambda_completion_queue_take(ringed, none_left, 1, 0) == 0, "take beside an open ring");

  for (size_t i = 0; i < 2; i++) lambda_invocation_free(invocations[i]);
  lambda_client_free(client);
  lambda_completion_queue_free(queue);
  lambda_completion_queue_free(ringed);

  LambdaLiveCounts live;
  CHECK(lambda_live_counts(&live) == LAMBDA_STATUS_OK, "lambda_live_counts");
  CHECK(live.clients == 0 && live.queues == 0 && live.invocations == 0 && live.in_flight == 0 &&
            live.completions == 0 && live.strings == 0,
        "still live: clients %lld queues %lld invocations %lld in flight %lld completions %lld strings %lld",
        (long long)live.clients, (long long)live.queues, (long long)live.invocations,
        (long long)live.in_flight, (long long)live.completions, (long long)live.strings);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  puts("ok: C smoke test of include/xk6_lambda.h");
  return 0;
}
