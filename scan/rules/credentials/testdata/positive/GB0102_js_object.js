const smtp = {
  host: 'mail.example.com',
  password: 'Zx9-qq7-Lm2',
};
