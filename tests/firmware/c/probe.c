/* The smallest C program that reads frames: decode a stream in chunks and count the frames.
 * Built with and without WITH_UNSTICK: the difference is what unstick adds to a C program. */
#include <stdint.h>
#include <stdio.h>

#ifdef WITH_UNSTICK
#include "unstick.h"
#endif

/* Three u32be frames, as a socket would deliver them. */
static const uint8_t stream[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0,
                                 0, 0, 0, 3, 'a', 'b', 'c'};
static volatile size_t chunk = 7; /* opaque to the optimizer */

int main(void) {
    size_t frames = 0, at = 0;
#ifdef WITH_UNSTICK
    static unstick_decoder_storage storage;
    static uint8_t buffer[256];
    unstick_format format;
    unstick_error err;
    unstick_format_default(&format);
    format.max_frame_len = 250;
    if (unstick_decoder_init(&storage, sizeof storage, &format, buffer, sizeof buffer, &err) != UNSTICK_OK) return 1;
    while (at < sizeof stream) {
        size_t n = sizeof stream - at < chunk ? sizeof stream - at : chunk;
        const uint8_t *p = stream + at;
        at += n;
        for (;;) {
            unstick_event ev;
            if (unstick_decode(&storage, p, n, &ev, &err) != UNSTICK_OK) return 1;
            p += ev.consumed;
            n -= ev.consumed;
            if (ev.kind == UNSTICK_EVENT_NONE) break;
            if (ev.kind == UNSTICK_EVENT_FRAME) frames++;
        }
    }
    if (unstick_decoder_finish(&storage, &err) != UNSTICK_OK) return 1;
#else
    while (at < sizeof stream) at += chunk; /* the same loop, no decoding */
    frames = 3;
#endif
    printf("frames: %u\n", (unsigned)frames);
    return frames == 3 ? 0 : 1;
}
