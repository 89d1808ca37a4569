package store

// LocalFile is the file an open store holds on this machine: the data
// file, or on etcd the local mirror (for the tests of package store_test).
func LocalFile(db *DB) string {
	if db.remote != nil {
		return db.remote.file
	}
	return db.path
}
