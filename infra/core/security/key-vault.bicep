// A Key Vault for the secrets the apps cannot get by identity (AFIRGen's MySQL connection string, the
// SMTP password). Azure RBAC decides who reads them (no access policies), soft delete keeps a deleted
// secret or vault recoverable, and purge protection makes that guarantee hold: nobody, not even an
// owner, can purge a deleted secret or vault before its retention ends. The price is the name: after
// `azd down --purge` the vault stays soft-deleted for softDeleteRetentionInDays and its token-derived
// name stays taken (infra/README.md says how to come back within that time).

@description('Name of the vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags { *: string } = {}

@description('Days a deleted vault or secret can be recovered (7-90); with purge protection, also the days before its name is free again. Fixed when the vault is created.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Enabled: reachable from the internet (with Entra ID). Disabled: only through private endpoints (private networking).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

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
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
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
