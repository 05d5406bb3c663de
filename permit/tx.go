package permit

// save writes p (optimistically, by version) and keeps p's version in step
// with the store's.
func save(tx Tx, p *Permit) error {
	if err := tx.UpdatePermit(*p); err != nil {
		return err
	}
	p.Version++
	return nil
}
