// Package vehicle decides what a vehicle registration mark (VRM) is: the
// one parser every other package uses, so that the registration typed on an
// application and the one written on a V5C are read the same way.
//
// It is a leaf of the domain: it imports no other package of the project,
// so evidence (which compares a V5C's registration with the request's) and
// permit (which stores registrations on permits) can both use it.
package vehicle
