REQUEST_ID = '3f2b8c1e-9d4a-4e7b-a1c2-5b6d7e8f9a0b'
session_uuid = "c0a80121-7ac0-4e1c-8b2a-1f0e3d9b6a55"
