// A private DNS zone (privatelink.<service suffix>) linked to the virtual network, so that inside it a
// service's public host name resolves to its private endpoint's address. Private endpoints register
// their records here through their DNS zone group.

@description('Zone name, e.g. privatelink.servicebus.windows.net.')
param name string

@description('Tags applied to the zone and its link.')
param tags { *: string } = {}

@description('Resource id of the virtual network that resolves names in this zone.')
param virtualNetworkId string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: name
  // Private DNS zones are global resources.
  location: 'global'
  tags: tags
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: 'vnet-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

@description('Name of the zone.')
output name string = zone.name

@description('Resource id of the zone.')
output resourceId string = zone.id
