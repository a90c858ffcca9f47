// Package mirror publishes what a box must not be the only keeper of to an S3-compatible object store with Object
// Lock in compliance mode, and rebuilds a box from it.
//
// What the mirror holds, under the target's prefix (s3://BUCKET/PREFIX):
//
//	checkpoint                     the newest signed checkpoint (C2SP tlog-checkpoint); each round adds a version
//	tile/<L>/<N>[.p/<W>]           hash tiles (C2SP tlog-tiles, tessera's layout)
//	tile/entries/<N>[.p/<W>]       entry bundles: the journal's leaves
//	checkpoints/<size>             every checkpoint the journal signed
//	keys/<16 hex>                  every checkpoint key (note verifier key), named by its SHA-256
//	blobs/<case>/<sha256>          each blob file exactly as the box stores it: header and AES-256-GCM chunks
//	escrow/<case>/<key id>.age     the case key, encrypted with age to the studio's offline recovery key
//	witnessed/<size>-<16 hex>      the newest checkpoint the witnesses cosigned (C2SP tlog-cosignature lines)
//
// Every object but "checkpoint" is written once (an escrowed key already there is kept: a restored box escrows
// its keys anew, and any copy holds the key its name says): the upload carries If-None-Match so that the store
// itself refuses to replace a key, and a key found with other content stops the mirror (ErrConflict). Every upload
// carries a SHA-256 checksum the store verifies, and the stored checksum is read back. Retention is compliance
// mode: the journal's objects for Options.JournalRetention, a case's blobs and escrowed key until the case's
// retention ends, extended when it is extended; a legal hold on a case is an S3 legal hold on its objects. When the
// case's erasure is journaled the mirror removes what the store lets it remove and leaves the rest to expire.
//
// The queue on the box (DIR/state.json, DIR/rounds/) survives restarts and network loss: a round (what one tree
// size adds) is written whole before any of it is uploaded, rounds are uploaded in order, and every item of a round
// can be done twice without harm, so a round interrupted anywhere is run again from its start (or from its last
// recorded progress).
//
// [Fetch] reads a mirror back: it verifies every tile against the newest checkpoint, every checkpoint against the
// tree and each other (and the newest checkpoint cosigned by the witnesses a restore requires), and refuses a
// truncated, rewound or forked mirror naming the first bad index; [Snapshot.Rebuild] rebuilds the journal and the
// blob store on a new box, the case keys unwrapped from escrow and wrapped by the new box's TPM.
package mirror
