/**
 * A minimal receiver of fluentd's forward protocol, for tests of a sender without fluentd (the api): it decodes
 * Message, Forward and PackedForward messages, acknowledges each one that asks (`chunk`), and keeps the records it
 * received. Not a log agent: no buffer, no handshake, loopback only.
 */
import * as net from "net";
import { Decoder, decodeMulti, encode } from "@msgpack/msgpack";
import { setTimeout as sleep } from "timers/promises";

export interface ReceivedEvent {
    tag: string;
    record: Record<string, unknown>;
}

export interface ForwardReceiver {
    port: number;
    events: ReceivedEvent[];
    /** Waits (at most `timeoutMs`) until an event matches, and returns it. */
    waitFor(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
    stop(): Promise<void>;
}

type Entry = [unknown, Record<string, unknown>];

function entriesOf(payload: unknown): Entry[] {
    if (payload instanceof Uint8Array) return [...decodeMulti(payload)] as Entry[];
    if (Array.isArray(payload)) return payload as Entry[];
    return [];
}

export async function startForwardReceiver(): Promise<ForwardReceiver> {
    const events: ReceivedEvent[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        const decoder = new Decoder();
        void (async () => {
            for await (const message of decoder.decodeStream(socket)) {
                const [tag, second, third, fourth] = message as [string, unknown, unknown, unknown];
                // Message mode is [tag, time, record, option?]; the others [tag, entries, option?].
                const isMessage = !(second instanceof Uint8Array) && !Array.isArray(second);
                const entries: Entry[] = isMessage ? [[second, third as Record<string, unknown>]] : entriesOf(second);
                const option = (isMessage ? fourth : third) as { chunk?: string } | undefined;
                for (const [, record] of entries) events.push({ tag, record });
                if (option?.chunk) socket.write(encode({ ack: option.chunk }));
            }
        })().catch(() => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        events,
        async waitFor(match, timeoutMs = 10_000) {
            for (let waited = 0; waited <= timeoutMs; waited += 50) {
                const found = events.find(match);
                if (found) return found;
                await sleep(50);
            }
            throw new Error(`no matching event within ${timeoutMs} ms; received: ${JSON.stringify(events).slice(0, 2000)}`);
        },
        stop: () => new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        }),
    };
}
