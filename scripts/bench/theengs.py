#!/usr/bin/env python3
"""Theengs Decoder (PyPI `theengsdecoder`, the decoder behind Theengs Gateway
and OpenMQTTGateway) on the same BTHome payloads as `CanaryBench decoders`,
one core. Its input is what a gateway hands it: JSON with the service data
as hex and the device name."""
import json, time
import TheengsDecoder

messages = [json.dumps(m) for m in [
    {"id": "AA:BB:CC:DD:EE:01", "name": "SBBT-002C", "servicedatauuid": "0xfcd2", "servicedata": "44000701643a01"},
    {"id": "AA:BB:CC:DD:EE:02", "name": "SBHT-003C", "servicedatauuid": "0xfcd2", "servicedata": "44000c01642e2845e100"},
    {"id": "AA:BB:CC:DD:EE:03", "name": "asensor_01", "servicedatauuid": "0xfcd2", "servicedata": "40000c0164022709038013"},
]]
for m in messages:
    assert TheengsDecoder.decodeBLE(m) is not None, m
rounds = 200_000
start = time.perf_counter()
for k in range(rounds):
    TheengsDecoder.decodeBLE(messages[k % 3])
seconds = time.perf_counter() - start
print(f"theengsdecoder {TheengsDecoder.__name__}: {rounds / seconds / 1e6:.3f} million reports/s ({seconds / rounds * 1e9:.0f} ns each)")
