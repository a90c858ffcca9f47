// Package drive deposits delivery folders on Google Drive: the studio's, or the client's own, which the client
// authorizes on their phone with the OAuth 2.0 device flow (a short code and a URL; the appliance never sees a
// password), with the narrowest scope that works, drive.file.
//
// # Upload
//
// A [Job] is one delivery folder of one case. [Queue.Enqueue] hashes every file of the folder, checks each file the
// manifest names against the manifest's SHA-256, and records the job durably in the queue's directory; [Queue.Run]
// (or [Queue.Drain], at the end of a session) then creates the Drive folder, named as the delivery folder is
// (3771151946-15-gennaio-2026), mirrors its subfolders, and uploads every file with a resumable upload. Each upload
// is checked against the checksums Drive returns: md5Checksum, sha256Checksum where Drive gives it, and the size;
// a file that does not match is deleted from Drive and sent again. Failures (the network, 429 and 5xx with their
// Retry-After, a token that expired early, a full quota) are retried with the backoff of the time-stamp queue
// (bundle/tsa), across restarts: the job's record says what is already on Drive, and every Drive object Attesta
// creates carries appProperties naming its job and path, so that an object created just before a crash is found
// again rather than duplicated. The folder is shared last ("anyone with the link can view", or reader permissions
// for the e-mail addresses the case lists, without Google's notification e-mail), and only then is the job done
// and its link announced: never a half folder.
//
// # Journal
//
// Every step is a journal leaf that carries Drive ids and digests, never names: drive-folder (the Drive folder
// and the delivery's leaf), drive-upload (file id, SHA-256, MD5, size), drive-link (permission id and type),
// drive-folder-done, drive-authorized, drive-revoked and drive-deleted.
//
// # On disk
//
// DIR/VERSION holds "attesta.drive-queue/v1"; DIR/<job>.json is a job record (format "attesta.drive-job/v1", read
// back with internal/strictjson, replaced durably at each step). The tokens live apart ([Tokens]): each account's
// token encrypted with AES-256-GCM under a key that the TPM seals.
//
// # Links
//
// [WriteLinks] writes the list of a session's folders and their links, one line per folder: the folder's name, a
// tab, the link.
package drive
