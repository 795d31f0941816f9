// Package control carries out wghub's operations — setup, teardown, peer
// changes, import, status and doctor — each as one locked UCI transaction
// over the hub's config files followed by a live apply through a Backend.
//
// UCI stays the truth the system boots from; the live apply only spares
// running tunnels a restart. Nothing is written when an operation fails
// validation, and a dry run computes the same change without writing it.
package control
