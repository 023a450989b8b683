client = gitlab.Gitlab(url, private_token='glpat-QwTeJIs5t2kTT7SOlYxG')
