// A Key Vault for the secrets the apps cannot get by identity (AFIRGen's MySQL connection string, the
// SMTP password). Azure RBAC decides who reads them (no access policies), soft delete keeps a deleted
// secret or vault recoverable. Purge protection stays off so that `azd down --purge` can free the name
// (the vault's name comes from the resource token, and a soft-deleted vault would block `azd up` again).

@description('Name of the vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags { *: string } = {}

@description('Days a deleted vault or secret can be recovered (7-90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Resource id of the vault.')
output resourceId string = vault.id

@description('Vault URI, e.g. https://<name>.vault.azure.net/ (ends with /).')
output uri string = vault.properties.vaultUri
