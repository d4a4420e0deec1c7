// AFIRGen's secrets in the Key Vault: its MySQL connection string and the SMTP password. A secret whose
// value is empty is not created (and main.bicep then sets no app setting for it), so that `azd up`
// without them deploys the rest and the app says at start-up which setting is missing. Only the values
// are secret; the names are fixed, so the Key Vault references in the app settings can be built from them.

@description('Name of the Key Vault (in this resource group).')
param keyVaultName string

@description('Name of the secret holding AFIRGen\'s MySQL connection string.')
param databaseConnectionStringSecretName string

@secure()
@description('AFIRGen\'s MySQL connection string (Server=…;Database=…;User ID=…;Password=…). Empty: no secret.')
param databaseConnectionString string = ''

@description('Name of the secret holding the SMTP password.')
param smtpPasswordSecretName string

@secure()
@description('Password of the SMTP user. Empty: no secret.')
param smtpPassword string = ''

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource databaseSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(databaseConnectionString)) {
  parent: vault
  name: databaseConnectionStringSecretName
  properties: {
    value: databaseConnectionString
    contentType: 'MySqlConnector connection string'
  }
}

resource smtpSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(smtpPassword)) {
  parent: vault
  name: smtpPasswordSecretName
  properties: {
    value: smtpPassword
    contentType: 'SMTP password'
  }
}
