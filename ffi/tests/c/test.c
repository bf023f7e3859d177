/* Exercises every function and error code of unstick.h, and decodes streams under every
 * chunking (whole, one byte at a time, random sizes). Built with -std=c99 -Wall -Wextra
 * -Werror and run under AddressSanitizer and UndefinedBehaviorSanitizer by ffi/tests/c_api.rs.
 * Prints "RESULT: PASS" and exits 0, or names the first failed check and exits 1. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unstick.h"

/* The C firmware (tests/firmware, 64 KiB of RAM) builds this with UNSTICK_SMALL. */
#ifdef UNSTICK_SMALL
#define WIRE_CAP 20000
#define BIG_FRAME 1000
#define MAX_FRAME 1024
#define DECODE_BUFFER 1100
#define JSON_BIG_BODY 2000
#define BIG_BODY_TEXT "2000"
#else
#define WIRE_CAP 200000
#define BIG_FRAME 4000
#define MAX_FRAME 4096
#define DECODE_BUFFER 8192
#define JSON_BIG_BODY 9000
#define BIG_BODY_TEXT "9000"
#endif

static long checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

#define CHECK_CODE(call, code) CHECK((call) == (code))

static uint32_t lcg_state = 12345;
static uint32_t lcg(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}

/* Encodes `count` frames of the format (payload i has length lens[i], bytes i ^ j) into
 * `wire`; returns the stream's length. */
static size_t encode_stream(const unstick_format *f, const size_t *lens, size_t count,
                            uint8_t *wire, size_t cap) {
    size_t at = 0;
    static uint8_t payload[MAX_FRAME];
    uint8_t head[16] = {0};
    size_t i, j;
    for (i = 0; i < count; i++) {
        size_t written = 0;
        unstick_error err;
        for (j = 0; j < lens[i]; j++) payload[j] = (uint8_t)(i ^ j);
        head[0] = (uint8_t)i;
        CHECK_CODE(unstick_encode(f, head, f->head_len, payload, lens[i], wire + at, cap - at,
                                  &written, &err),
                   UNSTICK_OK);
        CHECK(err.code == UNSTICK_OK);
        at += written;
    }
    return at;
}

/* Decodes `wire` with chunk sizes from `next_chunk` and checks every frame against `lens`. */
static void decode_stream(const unstick_format *f, const uint8_t *wire, size_t len,
                          const size_t *lens, size_t count, size_t (*next_chunk)(size_t)) {
    unstick_decoder_storage storage;
    static uint8_t buffer[DECODE_BUFFER];
    unstick_error err;
    size_t at = 0, frame = 0;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, f, buffer, sizeof buffer, &err),
               UNSTICK_OK);
    while (at < len) {
        size_t n = next_chunk(len - at);
        const uint8_t *chunk = wire + at;
        size_t left = n;
        for (;;) {
            unstick_event ev;
            CHECK_CODE(unstick_decode(&storage, chunk, left, &ev, &err), UNSTICK_OK);
            CHECK(ev.consumed <= left);
            chunk += ev.consumed;
            left -= ev.consumed;
            if (ev.kind == UNSTICK_EVENT_NONE) break;
            CHECK(ev.kind == UNSTICK_EVENT_FRAME);
            CHECK(frame < count);
            CHECK(ev.data_len == lens[frame]);
            CHECK(ev.length == lens[frame]);
            CHECK(ev.head_len == f->head_len);
            if (ev.head_len > 0) CHECK(ev.head[0] == (uint8_t)frame);
            {
                size_t j;
                for (j = 0; j < ev.data_len; j++) CHECK(ev.data[j] == (uint8_t)(frame ^ j));
            }
            frame++;
        }
        CHECK(left == 0);
        at += n;
    }
    CHECK(frame == count);
    CHECK(unstick_decoder_frames(&storage) == count);
    CHECK(unstick_decoder_offset(&storage) == len);
    CHECK(unstick_decoder_missing(&storage) == 0);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_OK);
}

/* The same with unstick_decode_events, `capacity` events per call. */
static void decode_stream_batch(const unstick_format *f, const uint8_t *wire, size_t len,
                                const size_t *lens, size_t count, size_t (*next_chunk)(size_t),
                                size_t capacity) {
    unstick_decoder_storage storage;
    static uint8_t buffer[DECODE_BUFFER];
    unstick_event events[8];
    unstick_error err;
    size_t at = 0, frame = 0;
    CHECK(capacity <= 8);
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, f, buffer, sizeof buffer, &err),
               UNSTICK_OK);
    while (at < len) {
        size_t n = next_chunk(len - at);
        const uint8_t *chunk = wire + at;
        size_t left = n;
        at += n;
        for (;;) {
            size_t got = 99, used = 99, i, sum = 0;
            CHECK_CODE(unstick_decode_events(&storage, chunk, left, events, capacity, &got, &used, &err),
                       UNSTICK_OK);
            CHECK(got <= capacity && used <= left);
            for (i = 0; i < got; i++) {
                const unstick_event *ev = &events[i];
                size_t j;
                sum += ev->consumed;
                CHECK(ev->kind == UNSTICK_EVENT_FRAME);
                CHECK(frame < count && ev->data_len == lens[frame] && ev->head_len == f->head_len);
                if (ev->head_len > 0) CHECK(ev->head[0] == (uint8_t)frame);
                for (j = 0; j < ev->data_len; j++) CHECK(ev->data[j] == (uint8_t)(frame ^ j));
                frame++;
            }
            CHECK(sum <= used);
            chunk += used;
            left -= used;
            if (got == 0) break;
        }
        CHECK(left == 0);
    }
    CHECK(frame == count);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_OK);
}

/* What the callback of unstick_decode_each checks: frames in order, against `lens`. */
struct expect {
    const size_t *lens;
    size_t count, frame;
    size_t head_len;
};

static void on_event(void *context, const unstick_event *ev) {
    struct expect *x = (struct expect *)context;
    size_t j;
    CHECK(ev->kind == UNSTICK_EVENT_FRAME && ev->consumed == 0);
    CHECK(x->frame < x->count && ev->data_len == x->lens[x->frame] && ev->head_len == x->head_len);
    if (ev->head_len > 0) CHECK(ev->head[0] == (uint8_t)x->frame);
    for (j = 0; j < ev->data_len; j++) CHECK(ev->data[j] == (uint8_t)(x->frame ^ j));
    x->frame++;
}

/* The same with unstick_decode_each: every chunk in one call. */
static void decode_stream_each(const unstick_format *f, const uint8_t *wire, size_t len,
                               const size_t *lens, size_t count, size_t (*next_chunk)(size_t)) {
    unstick_decoder_storage storage;
    static uint8_t buffer[DECODE_BUFFER];
    unstick_error err;
    struct expect x;
    size_t at = 0, before;
    x.lens = lens;
    x.count = count;
    x.frame = 0;
    x.head_len = f->head_len;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, f, buffer, sizeof buffer, &err),
               UNSTICK_OK);
    while (at < len) {
        size_t n = next_chunk(len - at), got = 99;
        before = x.frame;
        CHECK_CODE(unstick_decode_each(&storage, wire + at, n, on_event, &x, &got, &err), UNSTICK_OK);
        CHECK(got == x.frame - before);
        at += n;
    }
    CHECK(x.frame == count);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_OK);
}

static void count_event(void *context, const unstick_event *ev) {
    (void)ev;
    ++*(size_t *)context;
}

static size_t whole(size_t left) { return left; }
static size_t one_byte(size_t left) { (void)left; return 1; }
static size_t random_size(size_t left) {
    size_t n = 1 + lcg() % 700;
    return n < left ? n : left;
}

static void formats(void) {
    unstick_format f;
    unstick_error err;
    const char *spec = "grpc,max=4MiB";
    const char *bad = "u16le,colour=red";
    CHECK_CODE(unstick_format_default(&f), UNSTICK_OK);
    CHECK(f.length == UNSTICK_LENGTH_FIXED && f.width == 4 && f.flags == 0);
    CHECK(f.max_frame_len == 65536 && f.head_len == 0 && f.adjustment == 0);
    CHECK_CODE(unstick_format_default(NULL), UNSTICK_ERR_NULL);

    CHECK_CODE(unstick_format_preset("postgres", &f), UNSTICK_OK);
    CHECK(f.head_len == 1 && f.adjustment == -4 && (f.flags & UNSTICK_FLAG_SIGNED));
    CHECK_CODE(unstick_format_preset("mqtt", &f), UNSTICK_OK);
    CHECK(f.length == UNSTICK_LENGTH_MQTT);
    CHECK_CODE(unstick_format_preset("no-such", &f), UNSTICK_ERR_PARSE);
    CHECK_CODE(unstick_format_preset(NULL, &f), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_format_preset("grpc", NULL), UNSTICK_ERR_NULL);

    err.code = 12345;
    CHECK_CODE(unstick_format_parse(spec, strlen(spec), &f, &err), UNSTICK_OK);
    CHECK(f.head_len == 1 && f.max_frame_len == 4u << 20);
    CHECK(err.code == UNSTICK_OK); /* written on success too */
    CHECK_CODE(unstick_format_parse(bad, strlen(bad), &f, &err), UNSTICK_ERR_PARSE);
    CHECK(err.code == UNSTICK_ERR_PARSE && err.offset == 6 && err.length == 10);
    CHECK_CODE(unstick_format_parse(NULL, 3, &f, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_format_parse(NULL, 0, &f, NULL), UNSTICK_ERR_PARSE); /* empty text */
    CHECK_CODE(unstick_format_parse("\xff", 1, &f, &err), UNSTICK_ERR_PARSE);
    CHECK_CODE(unstick_format_parse("u8", 2, NULL, &err), UNSTICK_ERR_NULL);
}

static void init_errors(void) {
    unstick_decoder_storage storage;
    uint8_t small[8];
    uint8_t buffer[64];
    unstick_format f;
    unstick_error err;
    unstick_event ev;
    /* Storage for a misaligned decoder: one byte into an aligned block. */
    static unstick_decoder_storage twice[2];
    CHECK_CODE(unstick_format_default(&f), UNSTICK_OK);
    f.max_frame_len = 60;
    CHECK_CODE(unstick_decoder_init(NULL, 96, &f, buffer, sizeof buffer, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, NULL, buffer, sizeof buffer, &err),
               UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, NULL, 64, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decoder_init(small, sizeof small, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_STORAGE_TOO_SMALL);
    CHECK(err.code == UNSTICK_ERR_STORAGE_TOO_SMALL && err.length == 8 && err.limit == UNSTICK_DECODER_SIZE);
    /* A decoder, then a failed re-initialisation: no decoder is left to use the old buffer. */
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err), UNSTICK_OK);
    f.width = 7;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    CHECK_CODE(unstick_decode(&storage, NULL, 0, &ev, &err), UNSTICK_ERR_NOT_INITIALIZED);
    f.width = 4;
    /* Released: refused too. */
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err), UNSTICK_OK);
    CHECK_CODE(unstick_decoder_release(&storage), UNSTICK_OK);
    CHECK_CODE(unstick_decode(&storage, NULL, 0, &ev, &err), UNSTICK_ERR_NOT_INITIALIZED);
    CHECK_CODE(unstick_decoder_release(NULL), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decoder_init((uint8_t *)twice + 1, UNSTICK_DECODER_SIZE, &f, buffer,
                                    sizeof buffer, &err),
               UNSTICK_ERR_MISALIGNED);
    f.max_frame_len = 1000;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BUFFER_TOO_SMALL);
    CHECK(err.length == 64 && err.limit == 1000);
    f.max_frame_len = 60;
    f.width = 5;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    f.width = 4;
    f.flags = 0x80;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    f.flags = 0;
    f.head_len = 17;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    f.head_len = 0;
    f.length = 9;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);

    /* Storage that holds no decoder. */
    memset(&storage, 0, sizeof storage);
    CHECK_CODE(unstick_decode(&storage, (const uint8_t *)"x", 1, &ev, &err),
               UNSTICK_ERR_NOT_INITIALIZED);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_ERR_NOT_INITIALIZED);
    CHECK_CODE(unstick_decoder_reset(&storage), UNSTICK_ERR_NOT_INITIALIZED);
    CHECK(unstick_decoder_frames(&storage) == 0);
    CHECK_CODE(unstick_decode(NULL, NULL, 0, &ev, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decoder_reset(NULL), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decode((uint8_t *)twice + 1, NULL, 0, &ev, &err), UNSTICK_ERR_MISALIGNED);
}

static void streams(void) {
    static uint8_t wire[WIRE_CAP];
    size_t lens[40];
    const char *specs[] = {"u32be", "i32le", "u16le,max=4096", "u8,max=255", "leb128",
                           "mqtt", "quic", "grpc", "postgres", "http2", "bitcoin",
                           "u24be,head=3,adjust=-2"};
    size_t s, i;
    for (s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        unstick_format f;
        unstick_error err;
        size_t len;
        CHECK_CODE(unstick_format_parse(specs[s], strlen(specs[s]), &f, &err), UNSTICK_OK);
        if (f.max_frame_len > MAX_FRAME) f.max_frame_len = MAX_FRAME;
        for (i = 0; i < 40; i++) {
            size_t n = lcg() % (i % 5 == 0 ? BIG_FRAME : 40);
            if (f.length == UNSTICK_LENGTH_FIXED && f.width == 1 && n > 255) n = 255;
            if (f.adjustment > 0 && n < (size_t)f.adjustment) n = (size_t)f.adjustment;
            lens[i] = n;
        }
        len = encode_stream(&f, lens, 40, wire, sizeof wire);
        decode_stream(&f, wire, len, lens, 40, whole);
        decode_stream(&f, wire, len, lens, 40, one_byte);
        decode_stream(&f, wire, len, lens, 40, random_size);
        decode_stream_batch(&f, wire, len, lens, 40, whole, 8);
        decode_stream_batch(&f, wire, len, lens, 40, random_size, 3);
        decode_stream_batch(&f, wire, len, lens, 40, random_size, 1);
        decode_stream_each(&f, wire, len, lens, 40, whole);
        decode_stream_each(&f, wire, len, lens, 40, one_byte);
        decode_stream_each(&f, wire, len, lens, 40, random_size);
    }
}

static void streaming_and_skipping(void) {
    unstick_decoder_storage storage;
    uint8_t buffer[16];
    uint8_t wire[3000];
    uint8_t payload[1000];
    unstick_format f;
    unstick_error err;
    unstick_event ev;
    size_t written, at = 0, pieces = 0, piece_bytes = 0;
    int started = 0, ended = 0;
    memset(payload, 7, sizeof payload);
    CHECK_CODE(unstick_format_default(&f), UNSTICK_OK);
    f.flags = UNSTICK_FLAG_STREAMING;
    CHECK_CODE(unstick_encode(&f, NULL, 0, payload, sizeof payload, wire, sizeof wire, &written,
                              &err),
               UNSTICK_OK);
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_OK);
    while (at < written) {
        size_t n = written - at < 100 ? written - at : 100;
        const uint8_t *chunk = wire + at;
        at += n;
        for (;;) {
            CHECK_CODE(unstick_decode(&storage, chunk, n, &ev, &err), UNSTICK_OK);
            chunk += ev.consumed;
            n -= ev.consumed;
            if (ev.kind == UNSTICK_EVENT_NONE) break;
            if (ev.kind == UNSTICK_EVENT_STREAM_START) {
                started = 1;
                CHECK(ev.length == sizeof payload);
            } else if (ev.kind == UNSTICK_EVENT_STREAM_PIECE) {
                size_t j;
                pieces++;
                piece_bytes += ev.data_len;
                for (j = 0; j < ev.data_len; j++) CHECK(ev.data[j] == 7);
            } else {
                CHECK(ev.kind == UNSTICK_EVENT_STREAM_END);
                ended = 1;
            }
        }
    }
    CHECK(started && ended && pieces >= 10 && piece_bytes == sizeof payload);

    /* Over-limit frames skipped, the next one delivered. */
    f.flags = UNSTICK_FLAG_SKIP_OVERSIZE;
    f.max_frame_len = 10;
    {
        uint8_t big[4 + 50] = {0, 0, 0, 50};
        uint8_t small_frame[4 + 2] = {0, 0, 0, 2, 'o', 'k'};
        CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
                   UNSTICK_OK);
        CHECK_CODE(unstick_decode(&storage, big, sizeof big, &ev, &err), UNSTICK_OK);
        CHECK(ev.kind == UNSTICK_EVENT_SKIPPED && ev.length == 50);
        CHECK_CODE(unstick_decode(&storage, small_frame, sizeof small_frame, &ev, &err), UNSTICK_OK);
        CHECK(ev.kind == UNSTICK_EVENT_FRAME && ev.data_len == 2 && memcmp(ev.data, "ok", 2) == 0);
    }
}

static void decode_errors(void) {
    unstick_decoder_storage storage;
    uint8_t buffer[64];
    unstick_format f;
    unstick_error err;
    unstick_event ev;
    char message[200];
    const uint8_t good[] = {0, 0, 0, 1, 'a'};
    const uint8_t huge[] = {0, 0, 0x10, 0};
    size_t full;
    CHECK_CODE(unstick_format_default(&f), UNSTICK_OK);
    f.max_frame_len = 60;
    CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
               UNSTICK_OK);
    CHECK_CODE(unstick_decode(&storage, NULL, 0, &ev, &err), UNSTICK_OK); /* empty chunk */
    CHECK(ev.kind == UNSTICK_EVENT_NONE && ev.consumed == 0);
    /* An empty payload and head are NULL, not a dangling pointer. */
    {
        const uint8_t empty[4] = {0, 0, 0, 0};
        CHECK_CODE(unstick_decode(&storage, empty, 4, &ev, &err), UNSTICK_OK);
        CHECK(ev.kind == UNSTICK_EVENT_FRAME && ev.data == NULL && ev.data_len == 0 && ev.head == NULL);
        CHECK_CODE(unstick_decoder_reset(&storage), UNSTICK_OK);
    }
    CHECK_CODE(unstick_decode(&storage, NULL, 5, &ev, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_decode(&storage, good, sizeof good, NULL, &err), UNSTICK_ERR_NULL);
    {
        unstick_event evs[2];
        size_t got = 7, used = 7;
        CHECK_CODE(unstick_decode_events(&storage, good, sizeof good, NULL, 2, &got, &used, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_events(&storage, good, sizeof good, evs, 2, NULL, &used, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_events(&storage, good, sizeof good, evs, 2, &got, NULL, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_events(&storage, NULL, 3, evs, 2, &got, &used, &err), UNSTICK_ERR_NULL);
        /* No room is refused: a count of 0 would read as "chunk done". */
        CHECK_CODE(unstick_decode_events(&storage, good, sizeof good, evs, 0, &got, &used, &err),
                   UNSTICK_ERR_OUTPUT_TOO_SMALL);
        CHECK(unstick_decoder_frames(&storage) == 0);
    }
    CHECK_CODE(unstick_decode(&storage, good, sizeof good, &ev, NULL), UNSTICK_OK);
    CHECK(ev.kind == UNSTICK_EVENT_FRAME);
    CHECK_CODE(unstick_decode(&storage, huge, sizeof huge, &ev, &err), UNSTICK_ERR_FRAME_TOO_LARGE);
    CHECK(err.code == UNSTICK_ERR_FRAME_TOO_LARGE && err.frame == 1 && err.offset == 5);
    CHECK(err.length == 4096 && err.limit == 60);
    full = unstick_error_message(&err, message, sizeof message);
    CHECK(full == strlen(message));
    CHECK(strstr(message, "frame 1 (at byte 5)") != NULL && strstr(message, "4096") != NULL);
    /* A batch stops at the error with the frames before it. */
    {
        unstick_decoder_storage s2;
        uint8_t b2[64];
        unstick_event evs[4];
        size_t got = 0, used = 0;
        uint8_t mixed[5 + 4];
        memcpy(mixed, good, 5);
        memcpy(mixed + 5, huge, 4);
        CHECK_CODE(unstick_decoder_init(&s2, sizeof s2, &f, b2, sizeof b2, &err), UNSTICK_OK);
        CHECK_CODE(unstick_decode_events(&s2, mixed, sizeof mixed, evs, 4, &got, &used, &err),
                   UNSTICK_ERR_FRAME_TOO_LARGE);
        CHECK(got == 1 && used == 5 && evs[0].data_len == 1 && err.frame == 1);
    }
    /* The callback form: the frames before an error are delivered and counted. */
    {
        unstick_decoder_storage s3;
        uint8_t b3[64];
        size_t seen = 0, got = 0;
        uint8_t mixed[5 + 4];
        memcpy(mixed, good, 5);
        memcpy(mixed + 5, huge, 4);
        CHECK_CODE(unstick_decoder_init(&s3, sizeof s3, &f, b3, sizeof b3, &err), UNSTICK_OK);
        CHECK_CODE(unstick_decode_each(&s3, mixed, sizeof mixed, NULL, &seen, &got, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_each(&s3, mixed, sizeof mixed, count_event, &seen, NULL, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_each(&s3, NULL, 1, count_event, &seen, &got, &err), UNSTICK_ERR_NULL);
        CHECK_CODE(unstick_decode_each(&s3, mixed, sizeof mixed, count_event, &seen, &got, &err),
                   UNSTICK_ERR_FRAME_TOO_LARGE);
        CHECK(seen == 1 && got == 1 && err.frame == 1 && err.offset == 5);
        CHECK_CODE(unstick_decode_each(NULL, mixed, 1, count_event, &seen, &got, &err), UNSTICK_ERR_NULL);
    }
    /* Failed: every call repeats the error without reading. */
    CHECK_CODE(unstick_decode(&storage, good, sizeof good, &ev, &err), UNSTICK_ERR_FRAME_TOO_LARGE);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_ERR_FRAME_TOO_LARGE);
    CHECK_CODE(unstick_decoder_reset(&storage), UNSTICK_OK);
    CHECK_CODE(unstick_decode(&storage, good, sizeof good, &ev, &err), UNSTICK_OK);
    CHECK(ev.kind == UNSTICK_EVENT_FRAME && unstick_decoder_frames(&storage) == 1);

    /* The end inside a payload, and inside a prefix. */
    CHECK_CODE(unstick_decode(&storage, good, 3, &ev, &err), UNSTICK_OK);
    CHECK(ev.kind == UNSTICK_EVENT_NONE && ev.consumed == 3);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_ERR_TRUNCATED_PREFIX);
    CHECK(err.frame == 1 && err.offset == 5 && err.length == 3);
    CHECK_CODE(unstick_decoder_reset(&storage), UNSTICK_OK);
    CHECK_CODE(unstick_decode(&storage, good, 4, &ev, &err), UNSTICK_OK);
    CHECK(unstick_decoder_missing(&storage) == 1);
    CHECK_CODE(unstick_decoder_finish(&storage, &err), UNSTICK_ERR_TRUNCATED_FRAME);
    CHECK(err.length == 1 && err.value == 1);

    /* Other framing errors by format. */
    {
        struct { const char *spec; const uint8_t *bytes; size_t len; unstick_code code; } cases[] = {
            {"i32le", (const uint8_t *)"\xff\xff\xff\xff", 4, UNSTICK_ERR_NEGATIVE_LENGTH},
            {"postgres-startup", (const uint8_t *)"\0\0\0\x02", 4, UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT},
            {"leb128,max=100", (const uint8_t *)"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", 11,
             UNSTICK_ERR_OVERLONG_LENGTH},
            {"mqtt", (const uint8_t *)"\x30\x80\x00", 3, UNSTICK_ERR_NON_MINIMAL_LENGTH},
            {"u64be,max=16,adjust=1", (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff", 8,
             UNSTICK_ERR_LENGTH_OVERFLOW},
        };
        size_t i;
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            CHECK_CODE(unstick_format_parse(cases[i].spec, strlen(cases[i].spec), &f, &err), UNSTICK_OK);
            if (f.max_frame_len > 60) f.max_frame_len = 60; /* what the buffer holds */
            CHECK_CODE(unstick_decoder_init(&storage, sizeof storage, &f, buffer, sizeof buffer, &err),
                       UNSTICK_OK);
            CHECK_CODE(unstick_decode(&storage, cases[i].bytes, cases[i].len, &ev, &err), cases[i].code);
            CHECK(err.code == (int32_t)cases[i].code);
            if (cases[i].code == UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT) CHECK(err.length == 2 && err.value == -4);
            full = unstick_error_message(&err, message, sizeof message);
            CHECK(full > 10 && full == strlen(message));
        }
    }
}

static void encoder(void) {
    unstick_format f;
    unstick_error err;
    uint8_t out[64];
    uint8_t prefix[UNSTICK_MAX_PREFIX_LEN];
    size_t written = 0, plen = 0;
    const uint8_t head[2] = {1, 2};
    CHECK_CODE(unstick_format_preset("grpc", &f), UNSTICK_OK);
    CHECK_CODE(unstick_encode(&f, head, 1, (const uint8_t *)"hi", 2, out, sizeof out, &written, &err),
               UNSTICK_OK);
    CHECK(written == 7 && memcmp(out, "\x01\0\0\0\x02hi", 7) == 0);
    CHECK_CODE(unstick_encode(&f, head, 2, (const uint8_t *)"hi", 2, out, sizeof out, &written, &err),
               UNSTICK_ERR_HEAD_LENGTH);
    CHECK(err.length == 2 && err.limit == 1 && err.frame == UINT64_MAX);
    CHECK_CODE(unstick_encode(&f, head, 1, (const uint8_t *)"hi", 2, out, 6, &written, &err),
               UNSTICK_ERR_OUTPUT_TOO_SMALL);
    CHECK(err.length == 7 && err.limit == 6);
    CHECK_CODE(unstick_encode(&f, NULL, 1, (const uint8_t *)"hi", 2, out, 6, &written, &err),
               UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_encode(&f, head, 1, NULL, 2, out, 6, &written, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_encode(&f, head, 1, NULL, 0, out, sizeof out, NULL, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_encode(&f, head, 1, NULL, 0, NULL, 9, &written, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_encode(&f, head, 1, NULL, 0, out, sizeof out, &written, &err), UNSTICK_OK);
    CHECK(written == 5);
    CHECK_CODE(unstick_encode(NULL, head, 1, NULL, 0, out, sizeof out, &written, &err), UNSTICK_ERR_NULL);

    CHECK_CODE(unstick_format_parse("u8,max=1000", 11, &f, &err), UNSTICK_OK);
    {
        static uint8_t big[300];
        static uint8_t big_out[400];
        char message[100];
        CHECK_CODE(unstick_encode(&f, NULL, 0, big, sizeof big, big_out, sizeof big_out, &written, &err),
                   UNSTICK_ERR_LENGTH_OVERFLOWS_FIELD);
        CHECK(err.length == 300 && err.limit == 255);
        unstick_error_message(&err, message, sizeof message);
        CHECK(strstr(message, "300") != NULL);
        f.max_frame_len = 100;
        CHECK_CODE(unstick_encode(&f, NULL, 0, big, sizeof big, big_out, sizeof big_out, &written, &err),
                   UNSTICK_ERR_FRAME_TOO_LARGE);
        unstick_error_message(&err, message, sizeof message);
        CHECK(strcmp(message, "a 300-byte payload is over the limit of 100") == 0);
    }
    CHECK_CODE(unstick_format_preset("http2", &f), UNSTICK_OK);
    CHECK_CODE(unstick_encode(&f, NULL, 0, (const uint8_t *)"abc", 3, out, sizeof out, &written, &err),
               UNSTICK_ERR_PAYLOAD_BELOW_ADJUSTMENT);
    CHECK(err.length == 3 && err.limit == 6);

    CHECK_CODE(unstick_format_preset("postgres", &f), UNSTICK_OK);
    CHECK_CODE(unstick_prefix(&f, (const uint8_t *)"Q", 1, 5, prefix, &plen, &err), UNSTICK_OK);
    CHECK(plen == 5 && memcmp(prefix, "Q\0\0\0\x09", 5) == 0);
    CHECK_CODE(unstick_prefix(&f, (const uint8_t *)"Q", 1, 5, NULL, &plen, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_prefix(&f, (const uint8_t *)"Q", 1, 5, prefix, NULL, &err), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_prefix(&f, NULL, 0, 5, prefix, &plen, &err), UNSTICK_ERR_HEAD_LENGTH);
    CHECK_CODE(unstick_prefix(&f, (const uint8_t *)"Q", 1, UINT64_MAX, prefix, &plen, &err),
               UNSTICK_ERR_FRAME_TOO_LARGE);
}

static void messages(void) {
    unstick_error err;
    char small[8];
    char big[300];
    size_t full;
    memset(&err, 0, sizeof err);
    err.code = UNSTICK_ERR_TRUNCATED_FRAME;
    err.frame = 7;
    err.offset = 1234;
    err.length = 100;
    err.value = 40;
    full = unstick_error_message(&err, big, sizeof big);
    CHECK(full == strlen(big));
    CHECK(strcmp(big, "the stream ended inside frame 7 (at byte 1234): 40 of its 100 payload bytes missing") == 0);
    memset(small, 'x', sizeof small);
    CHECK(unstick_error_message(&err, small, sizeof small) == full);
    CHECK(small[7] == '\0' && strncmp(small, big, 7) == 0);
    CHECK(unstick_error_message(&err, NULL, 0) == full);
    CHECK(unstick_error_message(&err, small, 0) == full && small[0] == 't');
    err.code = 999;
    unstick_error_message(&err, big, sizeof big);
    CHECK(strcmp(big, "unknown error code 999") == 0);
    unstick_error_message(NULL, big, sizeof big);
    CHECK(strcmp(big, "a required pointer was null") == 0);
    {
        int code;
        for (code = 0; code <= 33; code++) {
            err.code = code;
            full = unstick_error_message(&err, big, sizeof big);
            CHECK(full > 0 && full < sizeof big && full == strlen(big));
        }
    }
}

/* Builds a JSON-header frame: u32be header length, the header, a body of `size` bytes. */
static size_t json_frame(uint8_t *out, const char *header, size_t size) {
    size_t h = strlen(header), i;
    out[0] = (uint8_t)(h >> 24);
    out[1] = (uint8_t)(h >> 16);
    out[2] = (uint8_t)(h >> 8);
    out[3] = (uint8_t)h;
    memcpy(out + 4, header, h);
    for (i = 0; i < size; i++) out[4 + h + i] = (uint8_t)(i * 7);
    return 4 + h + size;
}

static void json_frames(void) {
    static uint8_t wire[3 * JSON_BIG_BODY];
    static unstick_json_decoder_storage storage;
    uint8_t buffer[256];
    unstick_json_config c;
    unstick_error err;
    unstick_json_event ev;
    size_t len = 0, pass;
    char message[200];
    const char *headers[] = {"{\"filename\": \"a.txt\", \"total_size\": 10}",
                             "{\"total_size\": 0, \"note\": \"empty\"}",
                             "{\"filename\": \"big\", \"total_size\": " BIG_BODY_TEXT "}"};
    const size_t sizes[] = {10, 0, JSON_BIG_BODY};
    size_t (*chunkings[])(size_t) = {whole, one_byte, random_size};
    for (pass = 0; pass < 3; pass++) len += json_frame(wire + len, headers[pass], sizes[pass]);

    CHECK_CODE(unstick_json_config_default(&c), UNSTICK_OK);
    CHECK(c.max_header_len == 4096 && c.width == 4 && c.size_field == NULL);
    CHECK_CODE(unstick_json_config_default(NULL), UNSTICK_ERR_NULL);
    CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BUFFER_TOO_SMALL);
    c.max_header_len = 200;
    c.width = 5;
    CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    c.width = 4;
    c.flags = UNSTICK_FLAG_STREAMING;
    CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err),
               UNSTICK_ERR_BAD_FORMAT);
    c.flags = 0;
    CHECK_CODE(unstick_json_decoder_init(&storage, 8, &c, buffer, sizeof buffer, &err),
               UNSTICK_ERR_STORAGE_TOO_SMALL);
    CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, NULL, buffer, sizeof buffer, &err),
               UNSTICK_ERR_NULL);

    for (pass = 0; pass < 3; pass++) {
        size_t at = 0, frame = 0, body = 0, ends = 0;
        CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err),
                   UNSTICK_OK);
        while (at < len) {
            size_t n = chunkings[pass](len - at);
            const uint8_t *p = wire + at;
            at += n;
            for (;;) {
                CHECK_CODE(unstick_json_decode(&storage, p, n, &ev, &err), UNSTICK_OK);
                p += ev.consumed;
                n -= ev.consumed;
                if (ev.kind == UNSTICK_JSON_EVENT_NONE) break;
                if (ev.kind == UNSTICK_JSON_EVENT_HEADER) {
                    CHECK(frame < 3);
                    CHECK(ev.header_len == strlen(headers[frame]));
                    CHECK(memcmp(ev.header, headers[frame], ev.header_len) == 0);
                    CHECK(ev.total_size == sizes[frame]);
                    body = 0;
                } else if (ev.kind == UNSTICK_JSON_EVENT_BODY_PIECE) {
                    size_t i;
                    CHECK(ev.data_len > 0);
                    for (i = 0; i < ev.data_len; i++) CHECK(ev.data[i] == (uint8_t)((body + i) * 7));
                    body += ev.data_len;
                } else {
                    CHECK(ev.kind == UNSTICK_JSON_EVENT_END);
                    CHECK(body == sizes[frame]);
                    frame++;
                    ends++;
                }
            }
        }
        CHECK(frame == 3 && ends == 3);
        CHECK_CODE(unstick_json_decoder_finish(&storage, &err), UNSTICK_OK);
    }

    /* Refusals, each with its reason and a sentence. */
    {
        struct { const char *header; size_t size; int32_t code; int64_t why; const char *says; } cases[] = {
            {"[1, 2]", 0, UNSTICK_ERR_INVALID_HEADER, UNSTICK_HEADER_NOT_OBJECT, "not a JSON object"},
            {"{\"name\": 1}", 0, UNSTICK_ERR_INVALID_HEADER, UNSTICK_HEADER_SIZE_MISSING, "no size field"},
            {"{\"total_size\": 1, \"total_size\": 2}", 0, UNSTICK_ERR_INVALID_HEADER,
             UNSTICK_HEADER_SIZE_DUPLICATE, "twice"},
            {"{\"total_size\": -1}", 0, UNSTICK_ERR_INVALID_HEADER, UNSTICK_HEADER_SIZE_NEGATIVE, "negative"},
            {"{\"total_size\": 1.5}", 0, UNSTICK_ERR_INVALID_HEADER, UNSTICK_HEADER_SIZE_NOT_INTEGER, "integer"},
            {"{\"total_size\": 99999999999999999999}", 0, UNSTICK_ERR_INVALID_HEADER,
             UNSTICK_HEADER_SIZE_OVERFLOW, "64 bits"},
            {"{\"total_size\": 5000000000000}", 0, UNSTICK_ERR_INVALID_HEADER,
             UNSTICK_HEADER_BODY_TOO_LARGE, "over the limit"},
            {"{\"total_size\": 1,", 0, UNSTICK_ERR_INVALID_HEADER, UNSTICK_HEADER_MALFORMED, "not valid JSON"},
            {"{\"a\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", 0, UNSTICK_ERR_INVALID_HEADER,
             UNSTICK_HEADER_TOO_DEEP, "deeper than 16"},
        };
        size_t i;
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            size_t n = json_frame(wire, cases[i].header, cases[i].size);
            CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err),
                       UNSTICK_OK);
            CHECK(unstick_json_decode(&storage, wire, n, &ev, &err) == (unstick_code)cases[i].code);
            CHECK(err.code == cases[i].code && err.value == cases[i].why && err.frame == 0);
            unstick_error_message(&err, message, sizeof message);
            CHECK(strstr(message, cases[i].says) != NULL);
            /* Final until reset. */
            CHECK(unstick_json_decode(&storage, wire, n, &ev, &err) == (unstick_code)cases[i].code);
            CHECK_CODE(unstick_json_decoder_reset(&storage), UNSTICK_OK);
        }
        /* A 4 KiB header announced against a 200-byte limit. */
        {
            const uint8_t too_long[] = {0, 0, 0x10, 0};
            CHECK(unstick_json_decode(&storage, too_long, 4, &ev, &err) == UNSTICK_ERR_HEADER_TOO_LONG);
            CHECK(err.length == 4096 && err.limit == 200);
            unstick_error_message(&err, message, sizeof message);
            CHECK(strstr(message, "4096-byte JSON header") != NULL);
            CHECK_CODE(unstick_json_decoder_reset(&storage), UNSTICK_OK);
        }
        /* The end inside a body, and inside a header. */
        {
            size_t n = json_frame(wire, "{\"total_size\": 10}", 10);
            CHECK_CODE(unstick_json_decode(&storage, wire, n - 4, &ev, &err), UNSTICK_OK);
            CHECK(ev.kind == UNSTICK_JSON_EVENT_HEADER);
            CHECK_CODE(unstick_json_decode(&storage, wire + ev.consumed, n - 4 - ev.consumed, &ev, &err), UNSTICK_OK);
            CHECK(ev.kind == UNSTICK_JSON_EVENT_BODY_PIECE && ev.data_len == 6);
            CHECK(unstick_json_decoder_body_remaining(&storage) == 4);
            CHECK_CODE(unstick_json_decoder_finish(&storage, &err), UNSTICK_ERR_TRUNCATED_FRAME);
            CHECK(err.length == 10 && err.value == 4);
            CHECK_CODE(unstick_json_decoder_reset(&storage), UNSTICK_OK);
            CHECK_CODE(unstick_json_decode(&storage, wire, 10, &ev, &err), UNSTICK_OK);
            CHECK_CODE(unstick_json_decoder_finish(&storage, &err), UNSTICK_ERR_TRUNCATED_HEADER);
            unstick_error_message(&err, message, sizeof message);
            CHECK(strstr(message, "JSON header of frame 0") != NULL);
        }
    }

    /* Another size field, and a struct.pack("i") length. */
    c.size_field = "size";
    c.flags = UNSTICK_FLAG_LITTLE_ENDIAN | UNSTICK_FLAG_SIGNED;
    CHECK_CODE(unstick_json_decoder_init(&storage, sizeof storage, &c, buffer, sizeof buffer, &err), UNSTICK_OK);
    {
        const uint8_t frame[] = {12, 0, 0, 0, '{', '"', 's', 'i', 'z', 'e', '"', ':', ' ', '2', ' ', '}', 'o', 'k'};
        CHECK_CODE(unstick_json_decode(&storage, frame, sizeof frame, &ev, &err), UNSTICK_OK);
        CHECK(ev.kind == UNSTICK_JSON_EVENT_HEADER && ev.total_size == 2);
        CHECK(ev.consumed == 16);
    }
    CHECK_CODE(unstick_json_decode(NULL, NULL, 0, &ev, &err), UNSTICK_ERR_NULL);
    memset(&storage, 0, sizeof storage);
    CHECK_CODE(unstick_json_decode(&storage, NULL, 0, &ev, &err), UNSTICK_ERR_NOT_INITIALIZED);
}

int main(void) {
    formats();
    init_errors();
    streams();
    streaming_and_skipping();
    decode_errors();
    encoder();
    messages();
    json_frames();
    printf("%ld checks\nRESULT: PASS\n", checks);
    return 0;
}
