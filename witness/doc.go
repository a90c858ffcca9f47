// Package witness keeps the journal honest beyond the box: witnesses (C2SP tlog-witness) cosign its checkpoints
// (C2SP tlog-cosignature), so that nobody, the studio included, can rewind or fork the journal unnoticed.
//
//   - [Client] submits each new checkpoint, with its consistency proof from the size each witness last cosigned,
//     to the witnesses of the appliance's configuration (POST /add-checkpoint; a 409 answer gives the witness's
//     size, and the client proves from there), checks each cosignature under the witness's key, stores it
//     ([Store]) and journals it (a leaf of type [TypeCosignature]).
//   - [Store] keeps every cosigned checkpoint on disk, durably, one file per checkpoint and per witness, never
//     overwritten; [Store.Proof] writes a delivery's proofs/witness from it.
//   - [Server] is the witness role itself, our own implementation of the C2SP protocol: an appliance runs it for
//     the peer appliances of its studio (and `attesta demo` for itself). It verifies the log's signature, refuses a
//     rewound checkpoint (smaller than the one it cosigned: 409 then 400) and a fork (another root at the same size,
//     or a consistency proof that fails: 422), and persists what it cosigned before it answers.
//
// The formats (request body, answers, cosignature lines, a delivery's proofs/witness) are in witness/cosig, which
// the recipient's verifier uses without this package's state. The tests run the same suite against Server and
// against transparency-dev/witness's omniwitness, built by scripts/setup.
package witness
