package db

var dbPassword = "%!M8cVQo1Nd8HDg9vWsF"
