// Package control carries out wghub's operations — setup, teardown, peer
// changes, import, status and doctor — each as one locked UCI transaction
// over the hub's config files followed by a live apply through a Backend.
//
// UCI stays the truth the system boots from; the live apply only spares
// running tunnels a restart. Nothing is written when an operation fails
// validation, and a dry run computes the same change without writing it.
//
// The files of one operation change together or not at all (uci's journal:
// every operation first finishes a change an earlier run was killed in),
// and Manager.Outcome says whether the change was saved and whether it was
// applied to the running system, with a warning when it was saved but
// applying failed.
package control
