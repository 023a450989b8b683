package db

var defaultConfig = Config{
	Host:     "db.internal",
	User:     "app",
	Password: "Pr0d-db-2024!",
}
