package i18n

// Greeting returns a localised greeting.
func Greeting(lang string) string {
	if lang == "ru" {
		return "Привет, мир! Добро пожаловать."
	}
	return "Hello, world!"
}
