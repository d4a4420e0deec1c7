// A private endpoint for one sub-resource (group id) of a service, in the private endpoints' subnet, with
// its address registered in the service's private DNS zone.

@description('Name of the private endpoint.')
param name string

@description('Azure region of the private endpoint (the virtual network\'s).')
param location string

@description('Tags applied to the private endpoint.')
param tags { *: string } = {}

@description('Resource id of the subnet the endpoint takes its address from.')
param subnetId string

@description('Resource id of the service the endpoint connects to.')
param targetResourceId string

@description('Sub-resource of the service: namespace (Service Bus), blob or table (Storage), vault (Key Vault), redisEnterprise (Azure Managed Redis).')
param groupId string

@description('Resource id of the private DNS zone the endpoint registers its address in.')
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: privateDnsZoneId
        }
      }
    ]
  }
}

@description('Name of the private endpoint.')
output name string = endpoint.name

@description('Resource id of the private endpoint.')
output resourceId string = endpoint.id
